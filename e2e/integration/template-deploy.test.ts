import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { requireLab, run, runNova, uniqueName } from '../support/lab.js';
import { poolIsRunning, restorePool, takeAwayPool, type TakenPool } from '../support/storage-pools.js';
import { startTemplateRegistry, type TemplateRegistry } from '../support/template-registry.js';

// The template gallery end to end on the lab: a registry served from 127.0.0.1 (index, a small qcow2,
// its minisign and SSH signatures), `nova template list|show|deploy` against it, the image copied into
// the nova-disks pool through the helper, the NovaFile section written, and --apply starting the VM
// under TCG. Tampered images and bad signatures are refused with the reason; consent overrides.
// It starts as on a host where Nova never ran: nova-disks is taken away (and put back at the end), so
// the first deploy must make it.
const project = uniqueName('tpl');
const suffix = project.slice(-6);
const dir = mkdtempSync(join(tmpdir(), 'nova-template-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');
const cache = join(dir, 'cache');
const POOL = 'nova-disks';
const created: string[] = [];
let registry: TemplateRegistry;
let takenPool: TakenPool | undefined;

const Check = z.object({ status: z.string(), detail: z.string() });
const Entry = z.object({
  template: z.object({ id: z.string(), kind: z.string() }),
  provenance: z.object({ checksum: Check, signature: Check, publisher: Check, source: Check }),
  failedChecks: z.array(z.string()),
});
const Deployed = z.object({
  ok: z.literal(true),
  sections: z.array(z.string()),
  provenance: z.object({ checksum: Check, signature: Check, publisher: Check, source: Check }),
  consented: z.boolean(),
  volume: z.object({ pool: z.string(), name: z.string(), path: z.string() }).optional(),
  download: z.object({ bytes: z.number(), attempts: z.number(), resumedAt: z.array(z.number()) }).optional(),
  apply: z.object({ applied: z.boolean(), steps: z.array(z.string()) }).optional(),
});

function nova(args: string[]) {
  return runNova(['-c', file, ...args], {
    env: { NOVA_CONFIG_DIR: registry.configDir, XDG_CACHE_HOME: cache },
  });
}

async function deploy(id: string, name: string, extra: string[] = []) {
  created.push(name);
  return nova([
    'template',
    'deploy',
    id,
    '--name',
    name,
    '--registry',
    registry.indexUrl,
    '--no-builtin',
    '--json',
    ...extra,
  ]);
}

const volumeExists = async (name: string) =>
  (await run('virsh', ['-c', 'qemu:///system', 'vol-info', '--pool', POOL, `${name}.qcow2`])).code === 0;

describe('nova template against a registry on 127.0.0.1', () => {
  beforeAll(async () => {
    requireLab();
    takenPool = await takeAwayPool(POOL);
    registry = await startTemplateRegistry();
    writeFileSync(file, `project = "${project}"\n`);
  });

  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    for (const name of created) {
      await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
      await run('virsh', ['-c', 'qemu:///system', 'undefine', name, '--nvram']);
      await run('virsh', ['-c', 'qemu:///system', 'vol-delete', '--pool', POOL, `${name}.qcow2`]);
    }
    // Undefined when beforeAll failed before taking the pool away: then nothing was taken.
    if (takenPool !== undefined) await restorePool(takenPool);
    await (registry as TemplateRegistry | undefined)?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the registry’s templates with what failed their checks, and shows why', async () => {
    const result = await nova([
      'template',
      'list',
      '--registry',
      registry.indexUrl,
      '--no-builtin',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const entries = z.object({ templates: z.array(Entry) }).parse(JSON.parse(result.stdout)).templates;
    const byId = new Map(entries.map((entry) => [entry.template.id, entry]));
    expect(byId.get('tiny-minisign')?.failedChecks).toEqual([]);
    expect(byId.get('tiny-minisign')?.provenance.publisher.status).toBe('passed');
    expect(byId.get('tiny-minisign')?.provenance.signature.status).toBe('pending');
    expect(byId.get('tiny-unknown-key')?.failedChecks).toEqual(['signature']);
    expect(byId.get('tiny-unsigned')?.failedChecks).toEqual(['signature', 'publisher']);

    const shown = await nova(['template', 'show', 'tiny-unknown-key', '--registry', registry.indexUrl]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /signature:\s+FAILED — signed by minisign key [0-9A-F]{1,16}, which is not in your trust store/,
    );
    expect(shown.stdout).toContain('--allow-unverified');
  });

  it('deploys a signed template over HTTP with progress, making nova-disks on first use, verifies it, writes [vm] and boots it with --apply', async () => {
    const name = `tpl-vm-${suffix}`;
    expect(await poolIsRunning(POOL)).toBe(false);
    const result = await deploy('tiny-minisign', name, [
      '--accelerator',
      'tcg',
      '--network',
      'default',
      '--apply',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'nova: storage pool nova-disks did not exist: created it in /var/lib/nova/disks',
    );
    expect(await poolIsRunning(POOL)).toBe(true);
    expect(result.stderr).toMatch(/downloaded .* \(100 %\)/);
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.provenance.checksum).toMatchObject({ status: 'passed' });
    expect(deployed.provenance.checksum.detail).toContain(registry.sha256);
    expect(deployed.provenance.signature.status).toBe('passed');
    expect(deployed.provenance.signature.detail).toContain(registry.keyId);
    expect(deployed.consented).toBe(false);
    expect(deployed.download?.bytes).toBe(registry.imageBytes);
    expect(deployed.volume?.pool).toBe(POOL);
    expect(deployed.apply?.applied).toBe(true);

    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`project = "${project}"`);
    expect(text).toContain(`[vm.${name}]`);
    expect(text).toContain(`image = "${deployed.volume?.path ?? ''}"`);
    expect(text).toContain('accelerator = "tcg"');
    expect(await volumeExists(name)).toBe(true);
    const xml = await run('virsh', ['-c', 'qemu:///system', 'dumpxml', name]);
    expect(xml.stdout).toContain("type='qemu'");
    expect((await run('virsh', ['-c', 'qemu:///system', 'domstate', name])).stdout.trim()).toBe('running');
    // It boots from the template's image: the guest on it comes up and asks libvirt's DHCP for an address.
    const mac = /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/.exec(
      (await run('virsh', ['-c', 'qemu:///system', 'domiflist', name])).stdout,
    )?.[1];
    expect(mac).toBeDefined();
    const deadline = Date.now() + 90_000;
    let leased = false;
    while (!leased && Date.now() < deadline) {
      const leases = await run('virsh', [
        '-c',
        'qemu:///system',
        'net-dhcp-leases',
        'default',
        '--mac',
        mac ?? '',
      ]);
      leased = /\d+\.\d+\.\d+\.\d+\//.test(leases.stdout);
      if (!leased) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(leased, `no DHCP lease for ${mac ?? '?'}: the guest did not boot from the image`).toBe(true);
    // The download went into the pool: nothing of it stays in the cache.
    expect(readdirSync(join(cache, 'nova', 'templates'))).toEqual([]);
  });

  it('verifies an SSH signature with ssh-keygen -Y verify', async () => {
    const name = `tpl-ssh-${suffix}`;
    const result = await deploy('tiny-ssh', name);
    expect(result.code, result.stderr).toBe(0);
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.provenance.signature.status).toBe('passed');
    expect(deployed.provenance.signature.detail).toMatch(/SSH signature by "lab@nova\.test" verified/);
  });

  it('deploys from a folder registry, copying the local image', async () => {
    const name = `tpl-dir-${suffix}`;
    created.push(name);
    const result = await nova([
      'template',
      'deploy',
      'tiny-minisign',
      '--name',
      name,
      '--registry',
      registry.folder,
      '--no-builtin',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.provenance.source.detail).toBe(
      `local file ${registry.folder}/tiny.qcow2 (registry ${registry.folder})`,
    );
    expect(deployed.provenance.checksum.status).toBe('passed');
    expect(deployed.provenance.signature.status).toBe('passed');
    expect(await volumeExists(name)).toBe(true);
  });

  it('refuses a tampered image (checksum mismatch) and leaves no file, volume or NovaFile change', async () => {
    const before = readFileSync(file, 'utf8');
    const name = `tpl-bad-${suffix}`;
    const result = await deploy('tiny-tampered', name);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /checksum check failed: checksum mismatch: the download's sha256 is [0-9a-f]{64}/,
    );
    expect(result.stderr).toContain('--allow-unverified');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await volumeExists(name)).toBe(false);
    expect(readdirSync(join(cache, 'nova', 'templates'))).toEqual([]);
  });

  it('refuses a storage pool that does not exist before downloading, naming the pools there are', async () => {
    const before = readFileSync(file, 'utf8');
    const downloadsBefore = registry.requests.filter((r) => r.path === '/tiny.qcow2').length;
    const name = `tpl-np-${suffix}`;
    const result = await deploy('tiny-minisign', name, ['--pool', `nowhere-${suffix}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`there is no storage pool named "nowhere-${suffix}"`);
    expect(result.stderr).toMatch(
      /Storage pools on this host: .+\.|There are no storage pools on this host yet\./,
    );
    expect(result.stderr).toContain(`[storage.nowhere-${suffix}]`);
    expect(registry.requests.filter((r) => r.path === '/tiny.qcow2').length).toBe(downloadsBefore);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a signature by an unknown key before downloading, and one that does not match after', async () => {
    const before = readFileSync(file, 'utf8');
    const downloadsBefore = registry.requests.filter((r) => r.path === '/tiny.qcow2').length;
    const unknown = await deploy('tiny-unknown-key', `tpl-unk-${suffix}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /signature check failed: signed by minisign key [0-9A-F]{1,16}, which is not in your trust store \(unknown key\)/,
    );
    expect(registry.requests.filter((r) => r.path === '/tiny.qcow2').length).toBe(downloadsBefore);

    const invalid = await deploy('tiny-bad-signature', `tpl-inv-${suffix}`);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(
      /signature check failed: signature invalid: the signature does not match the file/,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await volumeExists(`tpl-inv-${suffix}`)).toBe(false);
  });

  it('deploys a template that failed a check when the user consents', async () => {
    const name = `tpl-ok-${suffix}`;
    const result = await deploy('tiny-bad-signature', name, ['--allow-unverified']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('deployed despite failed checks, with your consent: signature');
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.consented).toBe(true);
    expect(deployed.provenance.checksum.status).toBe('passed');
    expect(deployed.provenance.signature.status).toBe('failed');
    expect(readFileSync(file, 'utf8')).toContain(`[vm.${name}]`);
  });

  it('deploys a container stack: its container and network are written and applied', async () => {
    const name = `tpl-st-${suffix}`;
    const result = await deploy('tiny-stack', name, ['--apply']);
    expect(result.code, result.stderr).toBe(0);
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.sections).toEqual([`network.${name}-net`, `container.${name}-app`]);
    expect(deployed.provenance.checksum.status).toBe('not-applicable');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`[container.${name}-app]`);
    expect(text).toContain(`network = "${name}-net"`);
    const state = await run('docker', ['inspect', '-f', '{{.State.Running}}', `${name}-app`]);
    expect(state.stdout.trim()).toBe('true');
    const network = await run('docker', ['network', 'inspect', `${project}_${name}-net`]);
    expect(network.code, network.stderr).toBe(0);
  });

  it('resumes a download the server cut midway, with a Range request, and verifies the whole file', async () => {
    registry.interruptOnce('/resume/tiny.qcow2');
    const name = `tpl-res-${suffix}`;
    const result = await deploy('tiny-resume', name);
    expect(result.code, result.stderr).toBe(0);
    const ranges = registry.requests.filter((r) => r.path === '/resume/tiny.qcow2');
    expect(ranges[0]).toMatchObject({ status: 200, range: undefined });
    expect(ranges[1]?.status).toBe(206);
    const offset = Number(/^bytes=(\d+)-$/.exec(ranges[1]?.range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(result.stderr).toContain('resuming the download at');
    const deployed = Deployed.parse(JSON.parse(result.stdout));
    expect(deployed.download?.resumedAt).toEqual([offset]);
    expect(deployed.provenance.checksum.status).toBe('passed');
    expect(existsSync(join(cache, 'nova', 'templates'))).toBe(true);
  });
});
