import { type DomainInfo, type HelperOutput, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { answering, nova } from './helper-double.js';

const MiB = 1024 * 1024;

const DOMAINS: HelperOutput<'ListDomains'> = {
  connection: 'qemu:///system',
  domains: [
    {
      uuid: '00000000-0000-4000-8000-000000000002',
      name: 'web',
      state: 'running',
      origin: 'nova',
      vcpus: 2,
      memoryBytes: 512 * MiB,
    },
    {
      uuid: '00000000-0000-4000-8000-000000000001',
      name: 'desktop',
      state: 'stopped',
      origin: 'external',
      vcpus: 4,
      memoryBytes: 1536 * MiB,
    },
  ],
};

const INFO: DomainInfo = {
  name: 'web',
  uuid: '00000000-0000-4000-8000-000000000002',
  state: 'running',
  reason: 'booted',
  origin: 'nova',
  project: 'demo',
  persistent: true,
  autostart: false,
  type: 'qemu',
  vcpus: 2,
  memoryBytes: 512 * MiB,
  disks: [
    {
      source: { type: 'volume', pool: 'nova-disks', volume: 'web-root.qcow2' },
      format: 'qcow2',
      bus: 'virtio',
      target: 'vda',
      readonly: false,
      device: 'disk',
    },
  ],
  nics: [{ source: { type: 'network', network: 'default' }, model: 'virtio', mac: '52:54:00:12:34:56' }],
  snapshots: 1,
};

const ADDRESSES: HelperOutput<'GetDomainAddresses'> = {
  interfaces: [
    {
      interface: 'vnet3',
      mac: '52:54:00:12:34:56',
      addresses: [{ address: '192.168.122.50', prefix: 24, family: 'ipv4' }],
    },
  ],
};

const SNAPSHOT = {
  name: 'before-upgrade',
  description: 'known good',
  createdAt: '2025-03-01T10:00:00.000Z',
  state: 'shutoff',
  current: true,
};

describe('nova vm list', () => {
  it('asks ListDomains and prints a table sorted by name', async () => {
    const run = await nova(['vm', 'list'], { ListDomains: DOMAINS });
    expect(run.calls).toEqual([{ method: 'ListDomains', input: {} }]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'NAME     STATE    ORIGIN    VCPUS  MEMORY',
        'desktop  stopped  external  4      1.5 GiB',
        'web      running  nova      2      512 MiB',
      ].join('\n'),
    );
  });

  it('prints the helper’s answer as one JSON document with --json', async () => {
    const run = await nova(['vm', 'list', '--json'], { ListDomains: DOMAINS });
    expect(JSON.parse(run.stdout)).toEqual(DOMAINS);
  });

  it('says so when there are no VMs', async () => {
    const run = await nova(['vm', 'list'], { ListDomains: { connection: 'qemu:///system', domains: [] } });
    expect(run.stdout).toBe('No VMs.');
  });
});

describe('nova vm info', () => {
  it('prints state and reason, owner, size, disks, NICs, snapshots and the lease addresses of a running VM', async () => {
    const run = await nova(['vm', 'info', 'web'], { GetDomainInfo: INFO, GetDomainAddresses: ADDRESSES });
    expect(run.calls).toEqual([
      { method: 'GetDomainInfo', input: { name: 'web' } },
      { method: 'GetDomainAddresses', input: { name: 'web', source: 'lease' } },
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'Name        web',
      'UUID        00000000-0000-4000-8000-000000000002',
      'State       running (booted)',
      'Owner       Nova, project demo',
      'Autostart   no',
      'Persistent  yes',
      'Type        qemu',
      'vCPUs       2',
      'Memory      512 MiB',
      'Snapshots   1',
      'Disks       vda  nova-disks/web-root.qcow2  (qcow2, virtio)',
      'Interfaces  52:54:00:12:34:56  network default  (virtio)',
      'Addresses   192.168.122.50/24  vnet3  52:54:00:12:34:56',
    ]);
  });

  it('does not ask for addresses of a stopped VM, and says a foreign VM needs --foreign', async () => {
    const stopped: DomainInfo = { ...INFO, state: 'stopped', reason: 'shut down', origin: 'external' };
    delete stopped.project;
    const run = await nova(['vm', 'info', 'web'], { GetDomainInfo: stopped });
    expect(run.calls.map((call) => call.method)).toEqual(['GetDomainInfo']);
    expect(run.stdout).toContain('State       stopped (shut down)');
    expect(run.stdout).toContain('Owner       not Nova (changes need --foreign)');
    expect(run.stdout).not.toContain('Addresses');
  });

  it('prints the info with its addresses as JSON', async () => {
    const run = await nova(['vm', 'info', 'web', '--json'], {
      GetDomainInfo: INFO,
      GetDomainAddresses: ADDRESSES,
    });
    expect(JSON.parse(run.stdout)).toEqual({ ...INFO, addresses: ADDRESSES.interfaces });
  });

  it('still prints the VM when its addresses cannot be read, with a warning', async () => {
    const run = await nova(['vm', 'info', 'web'], {
      GetDomainInfo: INFO,
      GetDomainAddresses: new NovaError('failed', 'no leases file'),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Name        web');
    expect(run.stderr).toContain('could not be read');
  });

  it('is also `nova status vm NAME`, as in the original Nova', async () => {
    const run = await nova(['status', 'vm', 'web', '--json'], {
      GetDomainInfo: { ...INFO, state: 'paused' },
    });
    expect(run.calls).toEqual([{ method: 'GetDomainInfo', input: { name: 'web' } }]);
    expect(JSON.parse(run.stdout)).toMatchObject({ name: 'web', state: 'paused' });
  });
});

describe('nova vm start, stop, shutdown, reboot, pause, resume', () => {
  it('start asks StartDomain for a Nova VM and prints the new state', async () => {
    const run = await nova(['vm', 'start', 'web'], { StartDomain: { state: 'running' } });
    expect(run.calls).toEqual([{ method: 'StartDomain', input: { name: 'web', foreign: false } }]);
    expect(run.stdout).toBe('VM "web" is running.');
    expect(run.code).toBe(0);
  });

  it('start --json prints ok with what the helper returned', async () => {
    const run = await nova(['vm', 'start', 'web', '--json'], { StartDomain: { state: 'running' } });
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, state: 'running' });
  });

  it('passes --foreign and --project into the target', async () => {
    const foreign = await nova(['vm', 'start', 'desktop', '--foreign'], {
      StartDomain: { state: 'running' },
    });
    expect(foreign.calls[0]?.input).toEqual({ name: 'desktop', foreign: true });
    const project = await nova(['vm', 'start', 'web', '--project', 'demo'], {
      StartDomain: { state: 'running' },
    });
    expect(project.calls[0]?.input).toEqual({ name: 'web', foreign: false, project: 'demo' });
  });

  it('refuses --foreign with --project before calling the helper (exit 2)', async () => {
    const run = await nova(['vm', 'start', 'web', '--foreign', '--project', 'demo']);
    expect(run.code).toBe(2);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('--foreign and --project exclude each other');
  });

  it('stop --force forces the VM off at once (StopDomain mode destroy)', async () => {
    const run = await nova(['vm', 'stop', 'web', '--force'], {
      StopDomain: { state: 'stopped', forced: true },
    });
    expect(run.calls).toEqual([
      { method: 'StopDomain', input: { name: 'web', foreign: false, mode: 'destroy' } },
    ]);
    expect(run.stdout).toBe('VM "web" is stopped (forced off).');
  });

  it('stop without --force shuts down, forcing off after 60 s', async () => {
    const run = await nova(['vm', 'stop', 'web'], { StopDomain: { state: 'stopped', forced: false } });
    expect(run.calls).toEqual([
      {
        method: 'StopDomain',
        input: { name: 'web', foreign: false, mode: 'shutdown', timeoutSeconds: 60, forceAfterTimeout: true },
      },
    ]);
    expect(run.stdout).toBe('VM "web" is stopped.');
  });

  it('shutdown takes --timeout and says when it had to force the VM off', async () => {
    const run = await nova(['vm', 'shutdown', 'web', '--timeout', '5'], {
      StopDomain: { state: 'stopped', forced: true },
    });
    expect(run.calls[0]).toEqual({
      method: 'StopDomain',
      input: { name: 'web', foreign: false, mode: 'shutdown', timeoutSeconds: 5, forceAfterTimeout: true },
    });
    expect(run.stdout).toBe('VM "web" is stopped (forced off: it did not shut down within 5 s).');
  });

  it('refuses a --timeout that is not a number of seconds (exit 2, no call)', async () => {
    for (const timeout of ['soon', '-1', '1.5', '3601']) {
      const run = await nova(['vm', 'shutdown', 'web', '--timeout', timeout]);
      expect(run.code).toBe(2);
      expect(run.calls).toEqual([]);
      expect(run.stderr).toContain('--timeout');
    }
  });

  it('is also `nova run vm NAME` and `nova stop vm NAME [--force]`, as in the original Nova', async () => {
    const started = await nova(['run', 'vm', 'web'], { StartDomain: { state: 'running' } });
    expect(started.calls).toEqual([{ method: 'StartDomain', input: { name: 'web', foreign: false } }]);
    const stopped = await nova(['stop', 'vm', 'web', '--force'], {
      StopDomain: { state: 'stopped', forced: true },
    });
    expect(stopped.calls[0]?.input).toEqual({ name: 'web', foreign: false, mode: 'destroy' });
  });

  it('reboot, pause and resume call their methods with the target', async () => {
    const reboot = await nova(['vm', 'reboot', 'web'], { RebootDomain: {} });
    expect(reboot.calls).toEqual([{ method: 'RebootDomain', input: { name: 'web', foreign: false } }]);
    expect(reboot.stdout).toBe('VM "web" is rebooting.');
    const pause = await nova(['vm', 'pause', 'web'], { PauseDomain: { state: 'paused' } });
    expect(pause.calls).toEqual([{ method: 'PauseDomain', input: { name: 'web', foreign: false } }]);
    expect(pause.stdout).toBe('VM "web" is paused.');
    const resume = await nova(['vm', 'resume', 'web', '--json'], { ResumeDomain: { state: 'running' } });
    expect(resume.calls).toEqual([{ method: 'ResumeDomain', input: { name: 'web', foreign: false } }]);
    expect(JSON.parse(resume.stdout)).toEqual({ ok: true, state: 'running' });
  });

  it('takes a VM by its UUID as well as by its name, as virsh does, in one helper call', async () => {
    const uuid = '00000000-0000-4000-8000-00000000000A';
    const pause = await nova(['vm', 'pause', uuid], { PauseDomain: { state: 'paused' } });
    expect(pause.calls).toEqual([
      { method: 'PauseDomain', input: { uuid: uuid.toLowerCase(), foreign: false } },
    ]);
    const info = await nova(['vm', 'info', uuid.toLowerCase(), '--json'], {
      GetDomainInfo: { ...INFO, state: 'stopped' },
    });
    expect(info.calls).toEqual([{ method: 'GetDomainInfo', input: { uuid: uuid.toLowerCase() } }]);
    // Not a UUID, and not a name either: refused before the helper is asked.
    const bad = await nova(['vm', 'pause', '00000000-0000-4000-8000-00000000000g/'], {});
    expect(bad.calls).toEqual([]);
    expect(bad.code).not.toBe(0);
  });
});

describe('nova vm autostart', () => {
  it('turns autostart on and off', async () => {
    const on = await nova(['vm', 'autostart', 'web', 'on'], { SetDomainAutostart: {} });
    expect(on.calls).toEqual([
      { method: 'SetDomainAutostart', input: { name: 'web', foreign: false, autostart: true } },
    ]);
    expect(on.stdout).toBe('VM "web" starts with the host now.');
    const off = await nova(['vm', 'autostart', 'web', 'off', '--json'], { SetDomainAutostart: {} });
    expect(off.calls[0]?.input).toEqual({ name: 'web', foreign: false, autostart: false });
    expect(JSON.parse(off.stdout)).toEqual({ ok: true, autostart: false });
  });

  it('refuses anything but on or off (exit 2)', async () => {
    const run = await nova(['vm', 'autostart', 'web', 'yes']);
    expect(run.code).toBe(2);
    expect(run.calls).toEqual([]);
  });
});

describe('nova vm delete', () => {
  it('deletes with --yes, with the disks Nova created when asked', async () => {
    const run = await nova(['vm', 'delete', 'web', '--with-disks', '--yes'], {
      DeleteDomain: { removedVolumes: ['nova-disks/web-root.qcow2'] },
    });
    expect(run.calls).toEqual([
      { method: 'DeleteDomain', input: { name: 'web', foreign: false, removeVolumes: true } },
    ]);
    expect(run.stdout.split('\n')).toEqual([
      'Deleted VM "web".',
      'Deleted disk image nova-disks/web-root.qcow2.',
    ]);
  });

  it('refuses without --yes when there is no terminal to confirm on (exit 2, no call)', async () => {
    const run = await nova(['vm', 'delete', 'web']);
    expect(run.code).toBe(2);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('Pass --yes');
  });

  it('asks on a terminal and deletes only on yes', async () => {
    const no = answering(false);
    const declined = await nova(['vm', 'delete', 'web'], { DeleteDomain: { removedVolumes: [] } }, no);
    expect(declined.code).toBe(1);
    expect(declined.calls).toEqual([]);
    expect(no.questions).toEqual(['Delete VM "web" and its snapshots? This cannot be undone.']);
    const yes = answering(true);
    const confirmed = await nova(['vm', 'delete', 'web'], { DeleteDomain: { removedVolumes: [] } }, yes);
    expect(confirmed.code).toBe(0);
    expect(confirmed.calls).toEqual([
      { method: 'DeleteDomain', input: { name: 'web', foreign: false, removeVolumes: false } },
    ]);
  });
});

describe('nova vm snapshot', () => {
  it('create passes the snapshot name and description', async () => {
    const run = await nova(
      ['vm', 'snapshot', 'create', 'web', 'before-upgrade', '--description', 'known good'],
      { CreateSnapshot: SNAPSHOT },
    );
    expect(run.calls).toEqual([
      {
        method: 'CreateSnapshot',
        input: { name: 'web', foreign: false, snapshot: 'before-upgrade', description: 'known good' },
      },
    ]);
    expect(run.stdout).toBe('Took snapshot "before-upgrade" of VM "web" (shutoff).');
  });

  it('list prints a table, and says when there are none', async () => {
    const run = await nova(['vm', 'snapshot', 'list', 'web'], { ListSnapshots: { snapshots: [SNAPSHOT] } });
    expect(run.calls).toEqual([{ method: 'ListSnapshots', input: { name: 'web' } }]);
    expect(run.stdout.split('\n')).toEqual([
      'NAME            CREATED               STATE    CURRENT  PARENT  DESCRIPTION',
      'before-upgrade  2025-03-01T10:00:00Z  shutoff  *        -       known good',
    ]);
    const none = await nova(['vm', 'snapshot', 'list', 'web'], { ListSnapshots: { snapshots: [] } });
    expect(none.stdout).toBe('VM "web" has no snapshots.');
  });

  it('revert and delete name the snapshot', async () => {
    const revert = await nova(['vm', 'snapshot', 'revert', 'web', 'before-upgrade'], {
      RevertSnapshot: { state: 'stopped' },
    });
    expect(revert.calls).toEqual([
      { method: 'RevertSnapshot', input: { name: 'web', foreign: false, snapshot: 'before-upgrade' } },
    ]);
    expect(revert.stdout).toBe('Reverted VM "web" to snapshot "before-upgrade"; it is stopped.');
    const deleted = await nova(['vm', 'snapshot', 'delete', 'web', 'before-upgrade', '--json'], {
      DeleteSnapshot: {},
    });
    expect(deleted.calls).toEqual([
      { method: 'DeleteSnapshot', input: { name: 'web', foreign: false, snapshot: 'before-upgrade' } },
    ]);
    expect(JSON.parse(deleted.stdout)).toEqual({ ok: true });
  });

  it('refuses a bad snapshot name before calling the helper', async () => {
    const run = await nova(['vm', 'snapshot', 'create', 'web', 'no/slashes']);
    expect(run.code).toBe(2);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toContain('"no/slashes" is not a valid snapshot name');
  });
});

describe('nova vm clone, addresses, stats, xml', () => {
  it('clone asks CloneDomain and names the copied disks', async () => {
    const run = await nova(['vm', 'clone', 'web', 'web2'], {
      CloneDomain: {
        name: 'web2',
        uuid: '00000000-0000-4000-8000-000000000003',
        volumes: ['nova-disks/web2-root.qcow2'],
      },
    });
    expect(run.calls).toEqual([
      { method: 'CloneDomain', input: { name: 'web', foreign: false, clone: 'web2' } },
    ]);
    expect(run.stdout).toBe('Cloned VM "web" as "web2", with 1 disk image: nova-disks/web2-root.qcow2.');
  });

  it('addresses asks the chosen source and prints a table', async () => {
    const run = await nova(['vm', 'addresses', 'web', '--source', 'agent'], {
      GetDomainAddresses: ADDRESSES,
    });
    expect(run.calls).toEqual([{ method: 'GetDomainAddresses', input: { name: 'web', source: 'agent' } }]);
    expect(run.stdout.split('\n')).toEqual([
      'INTERFACE  MAC                FAMILY  ADDRESS',
      'vnet3      52:54:00:12:34:56  ipv4    192.168.122.50/24',
    ]);
    const bad = await nova(['vm', 'addresses', 'web', '--source', 'dns']);
    expect(bad.code).toBe(2);
    expect(bad.calls).toEqual([]);
  });

  it('stats asks for all VMs, or for the named ones', async () => {
    const stats: HelperOutput<'GetDomainStats'> = {
      stats: [
        {
          name: 'web',
          state: 'running',
          cpuTimeNs: 12_500_000_000,
          vcpus: 2,
          memoryBytes: 512 * MiB,
          diskReadBytes: 10 * MiB,
          diskWriteBytes: 0,
          netRxBytes: 2048,
          netTxBytes: 100,
        },
      ],
    };
    const all = await nova(['vm', 'stats'], { GetDomainStats: stats });
    expect(all.calls).toEqual([{ method: 'GetDomainStats', input: {} }]);
    expect(all.stdout.split('\n')).toEqual([
      'NAME  STATE    CPU TIME  VCPUS  MEMORY   USED  DISK READ  DISK WRITE  NET RX  NET TX',
      'web   running  12.5 s    2      512 MiB  -     10 MiB     0 B         2 KiB   100 B',
    ]);
    const some = await nova(['vm', 'stats', 'web', 'db', '--json'], { GetDomainStats: stats });
    expect(some.calls).toEqual([{ method: 'GetDomainStats', input: { names: ['web', 'db'] } }]);
    expect(JSON.parse(some.stdout)).toEqual(stats);
  });

  it('xml prints the live or the persistent definition', async () => {
    const run = await nova(['vm', 'xml', 'web', '--inactive'], { GetDomainXml: { xml: '<domain/>\n' } });
    expect(run.calls).toEqual([{ method: 'GetDomainXml', input: { name: 'web', inactive: true } }]);
    expect(run.stdout).toBe('<domain/>');
    const live = await nova(['vm', 'xml', 'web'], { GetDomainXml: { xml: '<domain/>' } });
    expect(live.calls[0]?.input).toEqual({ name: 'web', inactive: false });
  });
});

describe('errors and exit codes', () => {
  it('maps the helper’s error codes to exit codes, printing the message', async () => {
    const cases: [NovaError, number][] = [
      [new NovaError('not-authorized', 'not authorized: polkit refused action dev.nova.vm.start'), 3],
      [new NovaError('backend-unavailable', 'libvirt is unreachable'), 4],
      [new NovaError('conflict', 'VM "web" is stopped, not running'), 1],
      [new NovaError('not-found', 'there is no VM named "web"'), 1],
      [new NovaError('invalid-input', 'bad input'), 2],
      [new NovaError('failed', 'it broke'), 1],
    ];
    for (const [error, code] of cases) {
      const run = await nova(['vm', 'pause', 'web'], { PauseDomain: error });
      expect(run.code, error.code).toBe(code);
      expect(run.stderr).toBe(`nova: ${error.message}`);
    }
  });

  it('prints the error as one JSON document with --json', async () => {
    const run = await nova(['vm', 'start', 'web', '--json'], {
      StartDomain: new NovaError('not-authorized', 'not authorized: polkit refused action dev.nova.vm.start'),
    });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      error: { code: 'not-authorized', message: 'not authorized: polkit refused action dev.nova.vm.start' },
    });
  });

  it('adds the --foreign hint when the helper refuses a VM Nova did not create', async () => {
    const refused = new NovaError(
      'conflict',
      'VM "desktop" was not created by Nova, and Nova changes only what it created',
    );
    const run = await nova(['vm', 'stop', 'desktop', '--force'], { StopDomain: refused });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('was not created by Nova');
    expect(run.stderr).toContain('--foreign');
  });

  it('refuses a bad VM name before calling the helper (exit 2)', async () => {
    for (const args of [
      ['vm', 'start', 'web!'],
      ['vm', 'info', 'we b'],
      ['vm', 'clone', 'web', 'we/b'],
      ['vm', 'stats', 'ok', '../x'],
      ['vm', 'start', 'web', '--project', 'my project'],
    ]) {
      const run = await nova(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.calls).toEqual([]);
    }
    const run = await nova(['vm', 'info', 'we b']);
    expect(run.stderr).toContain('"we b" is not a valid VM name');
  });

  it('exits 2 on a missing argument or an unknown subcommand', async () => {
    expect((await nova(['vm', 'start'])).code).toBe(2);
    expect((await nova(['vm', 'strat', 'web'])).code).toBe(2);
  });
});
