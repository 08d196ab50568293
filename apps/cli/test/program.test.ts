import { type InstanceList, NovaError, type VersionReport } from '@nova/core';
import type { NovaServices } from '@nova/core/node';
import { describe, expect, it } from 'vitest';

import { type Io, runNova } from '../src/program.js';

// Services double: this file tests the command line's parsing, output and exit codes.
function services(
  list: InstanceList | Error,
  report?: VersionReport,
): { make: () => NovaServices; closed: () => boolean } {
  let closed = false;
  return {
    make: () =>
      ({
        instances: { list: () => (list instanceof Error ? Promise.reject(list) : Promise.resolve(list)) },
        version: () => Promise.resolve(report ?? { nova: '0.1.0', node: 'v20', components: [] }),
        close: () => {
          closed = true;
        },
      }) as unknown as NovaServices,
    closed: () => closed,
  };
}

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const LIST: InstanceList = {
  instances: [
    {
      kind: 'vm',
      id: 'vm/00000000-0000-4000-8000-000000000001',
      name: 'web',
      state: 'running',
      origin: 'nova',
      uuid: '00000000-0000-4000-8000-000000000001',
      connection: 'qemu:///system',
      vcpus: 1,
      memoryBytes: 1,
    },
    {
      kind: 'container',
      id: 'container/docker/abc',
      name: 'db',
      state: 'stopped',
      origin: 'external',
      engine: 'docker',
      containerId: 'abc',
      image: 'busybox',
      via: 'helper',
    },
  ],
  sources: [
    { id: 'libvirt', status: 'ok', endpoint: 'qemu:///system', count: 1 },
    { id: 'docker', status: 'ok', endpoint: 'unix:///var/run/docker.sock', count: 1 },
  ],
};

describe('nova list', () => {
  it('prints a table and exits 0 when every source answered', async () => {
    const io = capture();
    const s = services(LIST);
    expect(await runNova(['list'], s.make, io)).toBe(0);
    expect(io.stdout.join('\n')).toBe(
      [
        'KIND       NAME  STATE    ORIGIN    WHERE',
        'vm         web   running  nova      qemu:///system',
        'container  db    stopped  external  docker (via helper)',
      ].join('\n'),
    );
    expect(io.stderr).toEqual([]);
    expect(s.closed()).toBe(true);
  });

  it('prints the list as one JSON document with --json', async () => {
    const io = capture();
    expect(await runNova(['list', '--json'], services(LIST).make, io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toEqual(LIST);
  });

  it('exits 3 and names the refused action when polkit refused', async () => {
    const io = capture();
    const refused: InstanceList = {
      instances: [],
      sources: [
        {
          id: 'libvirt',
          status: 'unavailable',
          endpoint: 'qemu:///system',
          error: {
            code: 'not-authorized',
            message: 'not authorized: polkit refused action dev.nova.vm.read',
          },
        },
      ],
    };
    expect(await runNova(['list', '--json'], services(refused).make, io)).toBe(3);
    expect(io.stderr.join('\n')).toContain(
      'nova: libvirt: not authorized: polkit refused action dev.nova.vm.read',
    );
    expect(JSON.parse(io.stdout.join('\n'))).toEqual(refused);
  });

  it('exits 4 when a source is unreachable, still printing what the others listed', async () => {
    const io = capture();
    const partial: InstanceList = {
      instances: LIST.instances.slice(1),
      sources: [
        {
          id: 'libvirt',
          status: 'unavailable',
          endpoint: 'x',
          error: { code: 'backend-unavailable', message: 'libvirt is unreachable', detail: 'Start libvirtd' },
        },
        { id: 'docker', status: 'ok', endpoint: 'y', count: 1 },
      ],
    };
    expect(await runNova(['list'], services(partial).make, io)).toBe(4);
    expect(io.stdout.join('\n')).toContain('db');
    expect(io.stderr).toEqual(['nova: libvirt: libvirt is unreachable\n  Start libvirtd']);
  });

  it('maps an error of the whole command to its exit code', async () => {
    const io = capture();
    expect(
      await runNova(
        ['list'],
        services(new NovaError('backend-unavailable', 'the system D-Bus is not running')).make,
        io,
      ),
    ).toBe(4);
    expect(io.stderr).toEqual(['nova: the system D-Bus is not running']);
  });
});

describe('usage', () => {
  it('exits 2 on an unknown command or option', async () => {
    const io = capture();
    expect(await runNova(['lst'], services(LIST).make, io)).toBe(2);
    expect(await runNova(['list', '--jsn'], services(LIST).make, io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/unknown command 'lst'/);
  });

  it('prints help and exits 0', async () => {
    const io = capture();
    expect(await runNova(['--help'], services(LIST).make, io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/list \[options\] +list every instance/);
  });
});

describe('nova version', () => {
  const report: VersionReport = {
    nova: '0.1.0',
    node: 'v20.20.2',
    components: [
      { name: 'helper', status: 'ok', version: '0.1.0', detail: 'answers' },
      {
        name: 'docker',
        status: 'unavailable',
        endpoint: 'unix:///var/run/docker.sock',
        detail: 'permission denied',
      },
    ],
  };

  it('prints each component with its status and why', async () => {
    const io = capture();
    expect(await runNova(['version'], services(LIST, report).make, io)).toBe(0);
    expect(io.stdout.join('\n')).toBe(
      [
        'Nova 0.1.0 (Node v20.20.2)',
        'COMPONENT  STATUS       VERSION  DETAIL',
        'helper     ok           0.1.0    answers',
        'docker     unavailable  -        permission denied',
      ].join('\n'),
    );
  });

  it('prints the report as JSON with --json', async () => {
    const io = capture();
    expect(await runNova(['version', '--json'], services(LIST, report).make, io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toEqual(report);
  });
});
