import { describe, expect, it } from 'vitest';

import type { NetworkSummary, OwnedDomain } from '../src/contract/helper/index.js';
import {
  emptyObservedState,
  formatPlan,
  type ObservedState,
  planChanges,
  planToJson,
} from '../src/novafile/plan.js';
import { readNovaFile } from '../src/novafile/read.js';
import { type ResolveContext, resolveDesiredState } from '../src/novafile/resolve.js';

// The observed host is data here: this file tests the planner's decisions; the lab tests the real host.
const context: ResolveContext = {
  fileDir: '/srv/lab',
  kvm: { usable: false, reason: 'no /dev/kvm' },
  libvirtNetworks: ['default'],
  hostBridges: ['virbr0'],
  // The tiny guest's folder is a storage pool already, as a VM's files must be.
  poolsByPath: new Map([['/var/lib/nova-lab/guest', 'guest']]),
  defaultEngine: 'docker',
};

const FILE = `project = "lab"
[network.lab]
subnet = "10.50.0.0/24"
dhcp_range = "10.50.0.100-10.50.0.200"
[vm.web]
cpu = 2
memory = "512Mi"
network = "lab"
accelerator = "tcg"
[vm.web.boot]
kernel = "/var/lib/nova-lab/guest/vmlinuz"
[container.api]
capsule = "nova-test/busybox:latest"
command = ["sleep", "3600"]
`;

function desired(text = FILE) {
  const read = readNovaFile(text, {
    host: { networks: [...context.libvirtNetworks, ...context.hostBridges] },
  });
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return resolveDesiredState(read.model, context);
}

const empty: ObservedState = emptyObservedState();

/** The host as it is right after applying the desired state. */
function applied(state = desired()): ObservedState {
  const network = state.networks[0]?.spec;
  const vm = state.vms[0]?.spec;
  const container = state.containers[0]?.spec;
  if (network === undefined || vm === undefined || container === undefined)
    throw new Error('fixture incomplete');
  const networks: NetworkSummary[] = [
    {
      name: 'lab',
      uuid: 'u',
      active: true,
      autostart: true,
      forwardMode: 'nat',
      bridge: network.bridge,
      address: network.ipv4?.address ?? '',
      prefix: network.ipv4?.prefix ?? 0,
      dhcpStart: network.ipv4?.dhcp?.start ?? '',
      dhcpEnd: network.ipv4?.dhcp?.end ?? '',
      origin: 'nova',
      project: 'lab',
      specHash: network.ownership.specHash,
    },
  ];
  const owned: OwnedDomain = {
    name: 'web',
    uuid: '00000000-0000-4000-8000-000000000001',
    state: 'running',
    autostart: false,
    mark: { project: 'lab', name: 'web', specHash: vm.ownership.specHash },
    config: {
      type: vm.type,
      vcpus: vm.vcpus,
      memoryBytes: vm.memoryBytes,
      firmware: { type: vm.firmware.type, secureBoot: vm.firmware.secureBoot },
      ...(vm.kernel === undefined ? {} : { kernel: vm.kernel }),
      disks: vm.disks,
      nics: vm.nics.map((nic) => ({ ...nic, mac: '52:54:00:aa:bb:cc' })),
      hostdevs: [],
    },
  };
  return {
    domainOwners: new Map([['web', { origin: 'nova', project: 'lab' }]]),
    ownedDomains: [owned],
    networks,
    hostBridges: [],
    pools: [],
    containers: [
      {
        engine: 'docker',
        id: 'c1',
        name: 'api',
        state: 'running',
        image: container.image,
        origin: 'nova',
        project: 'lab',
        specHash: container.ownership.specHash,
        spec: undefined,
      },
    ],
    engineNetworks: [],
  };
}

const summary = (plan: ReturnType<typeof planChanges>) =>
  plan.steps.map((s) => `${s.action} ${s.kind} ${s.name}`);

describe('planning', () => {
  it('creates networks before the VMs on them, and starts instances after everything exists', () => {
    const plan = planChanges(desired(), empty, { prune: false });
    expect(summary(plan)).toEqual([
      'create network lab',
      'create vm web',
      'create container api',
      'start vm web',
      'start container api',
    ]);
    expect(plan.steps[0]?.reason).toBe('NAT 10.50.0.1/24 on nv-lab, DHCP 10.50.0.100-10.50.0.200');
    expect(plan.conflicts).toEqual([]);
  });

  it('plans nothing for a host that matches the file', () => {
    const plan = planChanges(desired(), applied(), { prune: false });
    expect(plan.steps).toEqual([]);
    expect(formatPlan(plan)).toBe('Nothing to do: this host already matches the file.');
  });

  it('plans an update of a VM whose memory the file changed, saying what changes', () => {
    const plan = planChanges(desired(FILE.replace('memory = "512Mi"', 'memory = "1Gi"')), applied(), {
      prune: false,
    });
    expect(summary(plan)).toEqual(['update vm web']);
    expect(plan.steps[0]).toMatchObject({
      drift: false,
      changes: [{ field: 'memory', want: '1Gi', have: '512Mi' }],
    });
    expect(plan.steps[0]?.reason).toBe('memory 512Mi → 1Gi (applies at the next start)');
  });

  it('reports drift: a VM changed outside Nova while the file stayed the same', () => {
    const host = applied();
    const vm = host.ownedDomains[0];
    if (vm === undefined) throw new Error('fixture');
    vm.config.vcpus = 4;
    vm.state = 'stopped';
    const plan = planChanges(desired(), host, { prune: false });
    expect(summary(plan)).toEqual(['update vm web', 'start vm web']);
    expect(plan.steps[0]).toMatchObject({ drift: true, reason: 'changed outside Nova: cpu 4 → 2' });
    expect(formatPlan(plan)).toContain('~ vm web  update (drift): changed outside Nova: cpu 4 → 2');
  });

  it('recreates a network whose addressing changed, with the reason', () => {
    const plan = planChanges(
      desired(FILE.replace('10.50.0.100-10.50.0.200', '10.50.0.10-10.50.0.20')),
      applied(),
      { prune: false },
    );
    expect(summary(plan)).toEqual(['recreate network lab']);
    expect(plan.steps[0]?.reason).toBe('dhcp_range 10.50.0.100-10.50.0.200 → 10.50.0.10-10.50.0.20');
  });

  it('recreates a container whose image changed', () => {
    const plan = planChanges(
      desired(FILE.replace('nova-test/busybox:latest', 'nova-test/busybox:2')),
      applied(),
      { prune: false },
    );
    expect(summary(plan)).toEqual(['recreate container api', 'start container api']);
  });

  it('refuses to take over a VM Nova did not create', () => {
    const plan = planChanges(
      desired(),
      { ...empty, domainOwners: new Map([['web', { origin: 'external', project: undefined }]]) },
      { prune: false },
    );
    expect(plan.conflicts).toEqual([
      {
        kind: 'vm',
        name: 'web',
        path: ['vm', 'web'],
        message: 'a VM named "web" exists and Nova did not create it',
        hint: 'give the VM another name in this file',
      },
    ]);
    expect(summary(plan)).not.toContain('create vm web');
  });

  it('deletes what Nova owns and the file no longer names only with prune', () => {
    const host = applied();
    const without = desired(FILE.replace(/\[vm\.web\][\s\S]*?(?=\[container)/, ''));
    const cautious = planChanges(without, host, { prune: false });
    expect(summary(cautious)).toEqual([]);
    expect(cautious.notes).toContain(
      "vm web is Nova's but no longer in the file; `nova apply --prune` deletes it",
    );
    const pruning = planChanges(without, host, { prune: true });
    expect(summary(pruning)).toEqual(['delete vm web']);
  });

  it('never deletes what belongs to another project or to nobody', () => {
    const host = applied();
    host.containers.push({
      engine: 'docker',
      id: 'x',
      name: 'other',
      state: 'running',
      image: 'x',
      origin: 'nova',
      project: 'elsewhere',
      specHash: undefined,
      spec: undefined,
    });
    host.containers.push({
      engine: 'docker',
      id: 'y',
      name: 'mine',
      state: 'running',
      image: 'x',
      origin: 'external',
      project: undefined,
      specHash: undefined,
      spec: undefined,
    });
    const plan = planChanges(desired(), host, { prune: true });
    expect(summary(plan)).toEqual([]);
  });

  it('gives a stable JSON form without execution details', () => {
    const json = planToJson(planChanges(desired(), empty, { prune: false }), '/srv/lab/NovaFile') as {
      steps: object[];
      summary: object;
    };
    expect(json.summary).toEqual({ create: 3, update: 0, recreate: 0, delete: 0, start: 2, stop: 0 });
    expect(json.steps[1]).toEqual({
      kind: 'vm',
      name: 'web',
      action: 'create',
      reason: '2 vCPU, 512Mi, tcg, on lab',
    });
    expect(JSON.stringify(json)).not.toContain('target');
  });

  it('says when auto picked TCG, and why', () => {
    const plan = planChanges(desired(FILE.replace('accelerator = "tcg"', 'accelerator = "auto"')), empty, {
      prune: false,
    });
    expect(plan.notes).toContain('VM web runs under tcg, because KVM is not usable here: no /dev/kvm');
  });
});

describe('resolving', () => {
  it('hashes specs so that the same file gives the same hash and a change a new one', () => {
    const a = desired();
    const b = desired();
    const c = desired(FILE.replace('cpu = 2', 'cpu = 3'));
    expect(a.vms[0]?.spec.ownership.specHash).toBe(b.vms[0]?.spec.ownership.specHash);
    expect(c.vms[0]?.spec.ownership.specHash).not.toBe(a.vms[0]?.spec.ownership.specHash);
    expect(a.vms[0]?.spec.ownership.specHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives a VM without image or kernel the original Nova’s default disk in /var/lib/nova/disks', () => {
    const state = desired('[vm.db]\n');
    expect(state.pools.map((p) => [p.spec.name, p.spec.path, p.implicit])).toEqual([
      ['nova-disks', '/var/lib/nova/disks', true],
    ]);
    expect(state.volumes.map((v) => v.spec)).toEqual([
      { pool: 'nova-disks', name: 'db.qcow2', format: 'qcow2', capacityBytes: 20 * 1024 ** 3 },
    ]);
  });

  it('resolves relative paths against the NovaFile’s folder', () => {
    const state = desired(
      '[vm.a]\nimage = "images/a.qcow2"\n[container.b]\nvolumes = ["./data:/data:ro", "named:/x"]\n',
    );
    expect(state.vms[0]?.spec.disks[0]?.source).toEqual({ type: 'file', path: '/srv/lab/images/a.qcow2' });
    expect(state.containers[0]?.spec.mounts).toEqual([
      { type: 'bind', source: '/srv/lab/data', target: '/data', readOnly: true },
      { type: 'volume', source: 'named', target: '/x', readOnly: false },
    ]);
  });

  it('attaches a VM to a host bridge or an existing libvirt network by its name', () => {
    const state = desired('[vm.a]\nnetwork = "virbr0"\n[vm.b]\nnetwork = "default"\n');
    expect(state.vms.map((vm) => vm.spec.nics[0]?.source)).toEqual([
      { type: 'bridge', bridge: 'virbr0' },
      { type: 'network', network: 'default' },
    ]);
  });
});
