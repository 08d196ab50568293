import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mustRun, requireLab, run, runNova, uniqueName, virsh } from '../support/lab.js';

// An external network: a bridge Nova creates with an uplink in it. The uplink here is one end of a
// veth pair made for the test, so the host's real connection is never at stake.
const project = uniqueName('ext');
const id = project.slice(-6);
const uplink = `nvup${id}`;
const peer = `nvpe${id}`;
const network = `lan-${id}`;
const bridge = `nv-${network}`;
const vm = `vm-${id}`;
const address = `10.97.${Number.parseInt(id.slice(0, 2), 16)}.2/24`;
const dir = mkdtempSync(join(tmpdir(), 'nova-ext-'));
chmodSync(dir, 0o755);
const file = join(dir, 'NovaFile');

interface IpAddr {
  ifname: string;
  master?: string;
  addr_info: { local: string; prefixlen: number; family: string }[];
}

async function link(name: string): Promise<IpAddr | undefined> {
  const result = await run('ip', ['-j', 'addr', 'show', 'dev', name]);
  if (result.code !== 0) return undefined;
  return (JSON.parse(result.stdout) as IpAddr[])[0];
}

const addresses = (entry: IpAddr | undefined) =>
  (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);

describe('an external network', () => {
  beforeAll(async () => {
    requireLab();
    await mustRun('ip', ['link', 'add', uplink, 'type', 'veth', 'peer', 'name', peer]);
    await mustRun('ip', ['addr', 'add', address, 'dev', uplink]);
    await mustRun('ip', ['link', 'set', uplink, 'up']);
    writeFileSync(
      file,
      [
        `project = "${project}"`,
        `[network.${network}]`,
        'profile = "external"',
        `uplink = "${uplink}"`,
        `[vm.${vm}]`,
        'memory = "64Mi"',
        'state = "stopped"',
        'accelerator = "tcg"',
        `network = "${network}"`,
        `[vm.${vm}.boot]`,
        'kernel = "/var/lib/nova-lab/guest/vmlinuz"',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    writeFileSync(file, `project = "${project}"\n`);
    await runNova(['-c', file, 'apply', '--yes', '--prune']);
    await run('ip', ['link', 'del', bridge]);
    await run('ip', ['link', 'del', uplink]);
  });

  it('plans the bridge first and says it takes the uplink', async () => {
    const result = await runNova(['-c', file, 'plan']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `\\+ bridge ${bridge}\\s+create: takes ${uplink} into the bridge: the host's connection over ${uplink} moves to ${bridge}`,
      ),
    );
    expect(result.stdout.indexOf(`bridge ${bridge}`)).toBeLessThan(
      result.stdout.indexOf(`network ${network}`),
    );
  });

  it('refuses to take the uplink without explicit consent, changing nothing', async () => {
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `apply would take ${uplink} into bridge ${bridge}, which can cut this host's network connection`,
    );
    expect(result.stderr).toContain(`--allow-uplink ${uplink}`);
    expect(await link(bridge)).toBeUndefined();
    expect(addresses(await link(uplink))).toEqual([address]);
  });

  it('with consent, enslaves the uplink, moves its address to the bridge, and puts the VM on it', async () => {
    const result = await runNova(['-c', file, 'apply', '--yes', '--allow-uplink', uplink]);
    expect(result.code, result.stderr).toBe(0);
    expect((await link(uplink))?.master).toBe(bridge);
    expect(addresses(await link(uplink))).toEqual([]);
    expect(addresses(await link(bridge))).toEqual([address]);
    expect(await virsh('net-dumpxml', network)).toMatch(
      new RegExp(`<forward mode='bridge'/>[\\s\\S]*<bridge name='${bridge}'/>`),
    );
    expect(await virsh('dumpxml', vm)).toMatch(
      new RegExp(`<interface type='network'>[\\s\\S]*<source network='${network}'`),
    );
    expect((await runNova(['-c', file, 'plan'])).stdout).toContain('Nothing to do');
    const list = await runNova(['-c', file, 'validate']);
    expect(list.code).toBe(0);
  });

  it('gives the uplink its address back when the network leaves the file (--prune)', async () => {
    writeFileSync(file, `project = "${project}"\n`);
    const result = await runNova(['-c', file, 'apply', '--yes', '--prune']);
    expect(result.code, result.stderr).toBe(0);
    expect(await link(bridge)).toBeUndefined();
    const restored = await link(uplink);
    expect(restored?.master).toBeUndefined();
    expect(addresses(restored)).toEqual([address]);
  });

  it('never takes over a bridge Nova did not make', async () => {
    writeFileSync(
      file,
      [
        `project = "${project}"`,
        `[vm.${vm}]`,
        'memory = "64Mi"',
        'state = "stopped"',
        'network = "virbr0"',
        `[vm.${vm}.boot]`,
        'kernel = "/var/lib/nova-lab/guest/vmlinuz"',
        '',
      ].join('\n'),
    );
    const result = await runNova(['-c', file, 'apply', '--yes']);
    expect(result.code, result.stderr).toBe(0);
    expect(await virsh('dumpxml', vm)).toMatch(/<interface type='bridge'>[\s\S]*<source bridge='virbr0'\/>/);
    const helper = await run('dbus-send', [
      '--system',
      '--print-reply',
      '--dest=dev.nova.Helper1',
      '/dev/nova/Helper1',
      'dev.nova.Helper1.DeleteHostBridge',
      `string:{"project":"${project}","name":"virbr0"}`,
    ]);
    expect(helper.stderr).toContain(
      'Error dev.nova.Helper1.Error.Conflict: bridge "virbr0" was not created by Nova',
    );
    expect(await link('virbr0')).toBeDefined();
  });
});
