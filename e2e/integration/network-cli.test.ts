import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ManagedNetwork } from '@nova/core';
import { bridgeNameFor } from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  defineDomain,
  GRANTED_USER,
  mustRun,
  readJson,
  removeContainer,
  requireLab,
  run,
  runNova,
  startContainer,
  tinyGuestXml,
  uniqueName,
  virsh,
} from '../support/lab.js';

// `nova network` against the real helper, libvirt and Docker: a NAT network the tiny guest joins (and
// takes a lease from), a refused DHCP range, and a container on a Docker network.
const natName = uniqueName('netnat');
const badName = uniqueName('netbad');
const engineName = uniqueName('neteng');
const vm = uniqueName('netvm');
const container = uniqueName('netct');
const id = natName.slice(-6);
// Subnets of their own for this run (the overlap check refuses one in use, so a clash would show).
const second = 100 + (Number.parseInt(id.slice(0, 2), 16) % 100);
const third = Number.parseInt(id.slice(2, 4), 16) % 250;
const natSubnet = `10.${String(second)}.${String(third)}.0/24`;
const natPrefix = `10.${String(second)}.${String(third)}.`;
const engineSubnet = `10.${String(second)}.${String(third + 1)}.0/24`;

const Ok = z.object({ ok: z.literal(true) }).loose();
const Failed = z.object({
  ok: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }).loose(),
});

async function inspect(name: string, kind?: string) {
  const result = await runNova([
    'network',
    'inspect',
    name,
    '--json',
    ...(kind === undefined ? [] : ['--kind', kind]),
  ]);
  expect(result.code, result.stderr).toBe(0);
  return readJson(result.stdout, ManagedNetwork);
}

/** The tiny guest with no interface: the one Nova attaches becomes its eth0, which it asks DHCP on. */
const guestWithoutNic = (name: string) =>
  tinyGuestXml(name).replace(/<interface[\s\S]*?<\/interface>\s*/, '');

describe('nova network', () => {
  beforeAll(async () => {
    requireLab();
    await defineDomain(guestWithoutNic(vm));
  });

  afterAll(async () => {
    await run('virsh', ['-c', 'qemu:///system', 'destroy', vm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', vm]);
    for (const name of [natName, badName]) {
      await run('virsh', ['-c', 'qemu:///system', 'net-destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'net-undefine', name]);
    }
    await removeContainer(container);
    await run('docker', ['network', 'rm', engineName]);
  });

  it('refuses a DHCP range outside the subnet, says which addresses to use, exits 2 and creates nothing', async () => {
    const result = await runNova([
      'network',
      'create',
      badName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}10-10.${String(second)}.${String(third + 1)}.20`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `DHCP range ${natPrefix}10–10.${String(second)}.${String(third + 1)}.20 is outside the subnet ${natSubnet}`,
    );
    expect(result.stderr).toContain(`between ${natPrefix}2 and ${natPrefix}254`);
    const json = await runNova([
      'network',
      'create',
      badName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}1-${natPrefix}20`,
      '--json',
    ]);
    expect(json.code).toBe(2);
    expect(readJson(json.stdout, Failed).error).toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('includes the gateway') as unknown,
    });
    expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', badName])).code).not.toBe(0);
  });

  it('creates a NAT network, attaches the running tiny guest, sees its lease, detaches it and deletes the network', async () => {
    const created = await runNova([
      'network',
      'create',
      natName,
      '--subnet',
      natSubnet,
      '--dhcp-range',
      `${natPrefix}100-${natPrefix}120`,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(readJson(created.stdout, Ok)).toMatchObject({ kind: 'libvirt', name: natName });
    const fresh = await inspect(natName);
    expect(fresh).toMatchObject({
      kind: 'libvirt',
      origin: 'nova',
      project: 'cli',
      mode: 'nat',
      active: true,
      autostart: true,
      subnet: natSubnet,
      gateway: `${natPrefix}1`,
      dhcp: { start: `${natPrefix}100`, end: `${natPrefix}120` },
      members: [],
    });
    expect(fresh.health.checks.find((check) => check.check === 'dhcp')).toMatchObject({ ok: true });

    await virsh('start', vm);
    const attached = await runNova(['network', 'attach', natName, vm, '--foreign', '--json']);
    expect(attached.code, attached.stderr).toBe(0);
    const { mac, live } = readJson(attached.stdout, z.object({ mac: z.string(), live: z.boolean() }).loose());
    expect(live).toBe(true);
    expect(await virsh('dumpxml', '--inactive', vm)).toContain(mac);

    const deadline = Date.now() + 90_000;
    let network = await inspect(natName);
    while (!network.leases.some((lease) => lease.mac === mac) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      network = await inspect(natName);
    }
    const lease = network.leases.find((entry) => entry.mac === mac);
    expect(lease, 'the guest should take a DHCP lease on the new network').toBeDefined();
    const last = Number(lease?.address.split('.')[3]);
    expect(lease?.address.startsWith(natPrefix)).toBe(true);
    expect(last).toBeGreaterThanOrEqual(100);
    expect(last).toBeLessThanOrEqual(120);
    expect(network.members).toContainEqual(expect.objectContaining({ kind: 'vm', name: vm, mac }));

    // A network with members is not deleted without --force; the refusal names them.
    const refused = await runNova(['network', 'delete', natName, '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`VM ${vm} (${mac})`);
    expect(refused.stderr).toContain('--force');

    const detached = await runNova(['network', 'detach', natName, vm, '--foreign', '--json']);
    expect(detached.code, detached.stderr).toBe(0);
    expect(readJson(detached.stdout, Ok)).toMatchObject({ macs: [mac] });
    expect(await virsh('dumpxml', '--inactive', vm)).not.toContain(mac);
    expect((await inspect(natName)).members).toEqual([]);

    const off = await runNova(['network', 'autostart', natName, 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect((await inspect(natName)).autostart).toBe(false);

    const deleted = await runNova(['network', 'delete', natName, '--yes', '--json']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await run('virsh', ['-c', 'qemu:///system', 'net-info', natName])).code).not.toBe(0);
  });

  it('refuses delete --force of a network Nova did not make before touching what is on it', async () => {
    const foreignNet = uniqueName('netfor');
    const foreignVm = uniqueName('netforvm');
    const file = join(tmpdir(), `${foreignNet}.xml`);
    await writeFile(file, `<network><name>${foreignNet}</name></network>`);
    try {
      await virsh('net-define', file);
      await virsh('net-start', foreignNet);
      await defineDomain(
        tinyGuestXml(foreignVm).replace(
          /<interface[\s\S]*?<\/interface>/,
          `<interface type='network'><source network='${foreignNet}'/><model type='virtio'/></interface>`,
        ),
      );
      const refused = await runNova(['network', 'delete', foreignNet, '--force', '--yes', '--json']);
      expect(refused.code).toBe(3);
      expect(readJson(refused.stdout, Failed).error.message).toMatch(
        /was not made by Nova.*nothing was changed/,
      );
      // The VM keeps its interface on it, and the network is still there.
      expect(await virsh('domiflist', foreignVm)).toContain(foreignNet);
      expect(await virsh('net-info', foreignNet)).toMatch(/Active:\s+yes/);
    } finally {
      await run('virsh', ['-c', 'qemu:///system', 'undefine', foreignVm]);
      await run('virsh', ['-c', 'qemu:///system', 'net-destroy', foreignNet]);
      await run('virsh', ['-c', 'qemu:///system', 'net-undefine', foreignNet]);
      await rm(file, { force: true });
    }
  });

  it('puts a container on a Docker network and takes it off, and tells apart networks of the same name', async () => {
    await startContainer(container);
    const created = await runNova([
      'network',
      'create',
      engineName,
      '--engine',
      'docker',
      '--subnet',
      engineSubnet,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(await inspect(engineName)).toMatchObject({ kind: 'docker', origin: 'nova', subnet: engineSubnet });

    // The container is not Nova's: changing it needs --foreign.
    const refused = await runNova(['network', 'attach', engineName, container]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--foreign');

    const attached = await runNova(['network', 'attach', engineName, container, '--foreign']);
    expect(attached.code, attached.stderr).toBe(0);
    const networks = await mustRun('docker', [
      'inspect',
      '--format',
      '{{json .NetworkSettings.Networks}}',
      container,
    ]);
    expect(Object.keys(JSON.parse(networks) as object)).toContain(engineName);
    expect((await inspect(engineName)).members).toContainEqual(
      expect.objectContaining({ kind: 'container', name: container, engine: 'docker' }),
    );

    const detached = await runNova(['network', 'detach', engineName, container, '--foreign']);
    expect(detached.code, detached.stderr).toBe(0);
    expect((await inspect(engineName)).members).toEqual([]);

    const deleted = await runNova(['network', 'delete', engineName, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await run('docker', ['network', 'inspect', engineName])).code).not.toBe(0);

    // Docker and Podman both have a network named "bridge".
    const ambiguous = await runNova(['network', 'inspect', 'bridge']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('docker network "bridge"');
    expect(ambiguous.stderr).toContain('podman network "bridge"');
    expect(ambiguous.stderr).toContain('--kind');
    expect((await inspect('bridge', 'docker')).kind).toBe('docker');
  });
});

// A bridged network on a real uplink: one end of a veth pair made for the test (a dummy interface where
// this kernel has no veth), so that the host's own interfaces are never touched.
const brName = uniqueName('netbr');
const brVm = uniqueName('netbrvm');
const brId = brName.slice(-6);
const uplink = `nvu${brId}`;
const peer = `nvp${brId}`;
const undone = uniqueName('netbu');
const missing = uniqueName('netbm');

interface IpLink {
  ifname: string;
  master?: string;
  operstate?: string;
  linkinfo?: { info_kind?: string };
}

/** `ip -j -d link show DEV`, or undefined when there is no such interface. */
async function ipLink(dev: string): Promise<IpLink | undefined> {
  const result = await run('ip', ['-j', '-d', 'link', 'show', 'dev', dev]);
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as IpLink[])[0];
}

/** Makes the test's uplink; the reason it could not, when it could not. */
async function makeUplink(): Promise<string | undefined> {
  const veth = await run('ip', ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', peer]);
  if (veth.code === 0) return undefined;
  const dummy = await run('ip', ['link', 'add', uplink, 'type', 'dummy']);
  if (dummy.code === 0) return undefined;
  return `neither a veth pair (${veth.stderr.trim()}) nor a dummy interface (${dummy.stderr.trim()}) can be made here`;
}

/**
 * Loaded into the CLI with --require: writes the process's id and waits for a "go" file, so that the test
 * can hand polkit a rule for exactly this process before it asks the helper anything.
 */
const GATE = `const fs = require('node:fs');
const dir = process.env.NOVA_TEST_GATE;
if (dir) {
  delete process.env.NOVA_TEST_GATE;
  delete process.env.NODE_OPTIONS;
  fs.writeFileSync(dir + '/pid', String(process.pid));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 60000;
  while (!fs.existsSync(dir + '/go') && Date.now() < until) Atomics.wait(pause, 0, 0, 20);
}
`;

/** A polkit rule that refuses one action to one process only: other tests' calls are not touched. */
const refuseToProcess = (action: string, pid: number) => `// nova network-cli.test.ts, for one process
polkit.addRule(function (action, subject) {
  if (action.id === "${action}" && subject.pid === ${String(pid)}) return polkit.Result.NO;
  return polkit.Result.NOT_HANDLED;
});
`;

async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const AUDIT_LOG = '/var/log/nova/audit.log';

/** The helper's audit records since `from` (a line count). */
function auditSince(from: number): { sender: string; method: string; result: string; arguments?: unknown }[] {
  return readFileSync(AUDIT_LOG, 'utf8')
    .split('\n')
    .slice(from)
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { sender: string; method: string; result: string });
}

async function libvirtNetworkGone(name: string): Promise<boolean> {
  return (await run('virsh', ['-c', 'qemu:///system', 'net-info', name])).code !== 0;
}

describe('nova network, bridged', () => {
  let noUplink: string | undefined;

  beforeAll(async () => {
    requireLab();
    noUplink = await makeUplink();
    if (noUplink !== undefined) console.warn(`bridged network tests skipped: ${noUplink}`);
    await defineDomain(guestWithoutNic(brVm));
  });

  afterAll(async () => {
    await run('virsh', ['-c', 'qemu:///system', 'destroy', brVm]);
    await run('virsh', ['-c', 'qemu:///system', 'undefine', brVm]);
    for (const name of [brName, undone, missing]) {
      // Through Nova first (it gives the uplink back and forgets the bridge), then whatever is left.
      if (!(await libvirtNetworkGone(name)))
        await runNova(['network', 'delete', name, '--kind', 'libvirt', '--force', '--foreign', '--yes']);
      await run('virsh', ['-c', 'qemu:///system', 'net-destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'net-undefine', name]);
      if ((await ipLink(bridgeNameFor(name))) !== undefined)
        await runNova(['network', 'delete', bridgeNameFor(name), '--kind', 'bridge', '--yes']);
    }
    await run('ip', ['link', 'del', uplink]);
  });

  it('refuses an uplink that does not exist, names it, exits 2 and creates nothing', async (context) => {
    if (noUplink !== undefined) context.skip(noUplink);
    const absent = `nvx${brId}`;
    const result = await runNova(['network', 'create', missing, '--type', 'bridged', '--uplink', absent]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`this host has no interface "${absent}" that can be an uplink`);
    // The hint offers the test's own interface, which can be one.
    expect(result.stderr).toContain(uplink);
    expect(await ipLink(bridgeNameFor(missing))).toBeUndefined();
    expect(await libvirtNetworkGone(missing)).toBe(true);
  });

  it('bridges the uplink, carries a VM’s NIC, refuses the name twice, and gives the uplink back on delete', async (context) => {
    if (noUplink !== undefined) context.skip(noUplink);
    const created = await runNova([
      'network',
      'create',
      brName,
      '--type',
      'bridged',
      '--uplink',
      uplink,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(readJson(created.stdout, Ok)).toMatchObject({ kind: 'libvirt', name: brName });

    // The host bridge, with the uplink in it.
    const bridge = bridgeNameFor(brName);
    expect((await ipLink(bridge))?.linkinfo?.info_kind).toBe('bridge');
    expect((await ipLink(uplink))?.master).toBe(bridge);
    // The libvirt network of forward mode "bridge" on it, active.
    const xml = await virsh('net-dumpxml', brName);
    expect(xml).toMatch(/<forward mode=['"]bridge['"]\s*\/>/);
    expect(xml).toContain(`<bridge name='${bridge}'`);
    expect(await virsh('net-info', brName)).toMatch(/Active:\s+yes/);
    expect(await inspect(brName, 'libvirt')).toMatchObject({
      kind: 'libvirt',
      origin: 'nova',
      active: true,
      bridge,
      members: [],
    });

    // The same name again is refused before anything is made: the uplink's peer stays free.
    if ((await ipLink(peer)) !== undefined) {
      const again = await runNova(['network', 'create', brName, '--type', 'bridged', '--uplink', peer]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain(`there is a libvirt network named "${brName}" already`);
      expect((await ipLink(peer))?.master).toBeUndefined();
    }

    // A VM joins it: its tap is in the host bridge, next to the uplink.
    const attached = await runNova([
      'network',
      'attach',
      brName,
      brVm,
      '--kind',
      'libvirt',
      '--foreign',
      '--json',
    ]);
    expect(attached.code, attached.stderr).toBe(0);
    const { mac } = readJson(attached.stdout, z.object({ mac: z.string() }).loose());
    const domainXml = await virsh('dumpxml', '--inactive', brVm);
    expect(domainXml).toContain(mac);
    expect(domainXml).toContain(`<source network='${brName}'`);
    await virsh('start', brVm);
    const tap = (await virsh('domiflist', brVm))
      .split('\n')
      .find((line) => line.includes(mac))
      ?.trim()
      .split(/\s+/)[0];
    expect(tap, 'the running VM should have a tap for the new NIC').toBeDefined();
    expect((await ipLink(tap ?? ''))?.master).toBe(bridge);
    expect((await inspect(brName, 'libvirt')).members).toContainEqual(
      expect.objectContaining({ kind: 'vm', name: brVm, mac }),
    );

    // Deleting takes the VM off it, removes the libvirt network and the bridge, and frees the uplink.
    const deleted = await runNova([
      'network',
      'delete',
      brName,
      '--kind',
      'libvirt',
      '--force',
      // The tiny guest was defined with virsh, not by Nova: taking it off needs --foreign.
      '--foreign',
      '--yes',
      '--json',
    ]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(readJson(deleted.stdout, Ok)).toMatchObject({ detached: [`VM ${brVm} (${mac})`] });
    expect(await libvirtNetworkGone(brName)).toBe(true);
    expect(await ipLink(bridge)).toBeUndefined();
    const freed = await ipLink(uplink);
    expect(freed, 'the uplink itself stays').toBeDefined();
    expect(freed?.master).toBeUndefined();
    expect(await virsh('dumpxml', '--inactive', brVm)).not.toContain(mac);
    const bridges = await runNova(['network', 'bridge', 'list', '--json']);
    expect(bridges.code, bridges.stderr).toBe(0);
    expect(bridges.stdout).not.toContain(`"${bridge}"`);
  });

  it('takes the bridge down again and gives the uplink back when the libvirt network step fails', async (context) => {
    if (noUplink !== undefined) context.skip(noUplink);
    // The second step fails for real: polkit refuses dev.nova.network.create to this one CLI process of
    // nova-granted, who may create and delete bridges.
    const gate = mkdtempSync(join(tmpdir(), 'nova-gate-'));
    chmodSync(gate, 0o777);
    writeFileSync(join(gate, 'gate.cjs'), GATE);
    chmodSync(join(gate, 'gate.cjs'), 0o644);
    const rules = `/etc/polkit-1/rules.d/40-nova-test-${brId}.rules`;
    const bridge = bridgeNameFor(undone);
    const auditFrom = readFileSync(AUDIT_LOG, 'utf8').split('\n').length - 1;
    try {
      const running = runNova(['network', 'create', undone, '--type', 'bridged', '--uplink', uplink], {
        user: GRANTED_USER,
        env: { NODE_OPTIONS: `--require ${join(gate, 'gate.cjs')}`, NOVA_TEST_GATE: gate },
      });
      const pid = await eventually('the CLI to start', () => {
        const path = join(gate, 'pid');
        return Promise.resolve(existsSync(path) ? Number(readFileSync(path, 'utf8')) : undefined);
      });
      writeFileSync(rules, refuseToProcess('dev.nova.network.create', pid));
      await eventually('polkit to read the rule', async () => {
        const check = await run('pkcheck', [
          '--action-id',
          'dev.nova.network.create',
          '--process',
          String(pid),
        ]);
        return check.code === 0 ? undefined : true;
      });
      writeFileSync(join(gate, 'go'), '');
      const result = await running;
      expect(result.code, result.stderr).toBe(3);
      expect(result.stderr).toContain('dev.nova.network.create');
    } finally {
      rmSync(rules, { force: true });
      rmSync(gate, { recursive: true, force: true });
    }
    // The bridge was made with the uplink in it, the network refused, then the bridge undone: the
    // helper's audit log has the CLI's changing calls in order (a refused call has no arguments).
    const audit = auditSince(auditFrom);
    const made = audit.find(
      (entry) => entry.method === 'CreateHostBridge' && JSON.stringify(entry.arguments).includes(bridge),
    );
    expect(made, 'the bridge should have been made first').toBeDefined();
    expect(
      audit
        .filter((entry) => entry.sender === made?.sender)
        .map((entry) => `${entry.method} ${entry.result}`),
    ).toEqual(['CreateHostBridge ok', 'DefineNetwork refused', 'DeleteHostBridge ok']);
    expect(await ipLink(bridge)).toBeUndefined();
    expect((await ipLink(uplink))?.master).toBeUndefined();
    expect(await libvirtNetworkGone(undone)).toBe(true);
    const bridges = await runNova(['network', 'bridge', 'list', '--json']);
    expect(bridges.stdout).not.toContain(`"${bridge}"`);
  });
});
