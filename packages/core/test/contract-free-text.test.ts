import { describe, expect, it } from 'vitest';

import { describeZodError } from '../src/contract/errors.js';
import { type HelperInput, type HelperMethodName, helperMethods } from '../src/contract/helper/index.js';

const ownership = { project: 'p', name: 'n', specHash: '0'.repeat(64) };

/** What the contract says of one request: undefined when it accepts it, else describeZodError's text. */
function refusal<M extends HelperMethodName>(method: M, input: HelperInput<M> | object): string | undefined {
  const parsed = helperMethods[method].input.safeParse(input);
  return parsed.success ? undefined : describeZodError(parsed.error);
}

const domain = (extra: object) => ({
  spec: {
    name: 'vm',
    ownership,
    type: 'qemu',
    vcpus: 1,
    memoryBytes: 64 * 1024 * 1024,
    firmware: { type: 'bios', secureBoot: false },
    disks: [],
    nics: [],
    hostdevs: [],
    graphics: false,
    ...extra,
  },
});
const container = (extra: object) => ({
  engine: 'docker',
  spec: {
    name: 'c',
    image: 'nova-test/busybox:latest',
    env: {},
    ports: [],
    mounts: [],
    restart: { name: 'no' },
    readOnly: false,
    noNewPrivileges: false,
    gpus: false,
    ...extra,
  },
});
const network = (ipv4: object) => ({
  spec: { name: 'net', ownership, mode: 'nat', bridge: 'nv-net', ipv4, dns: false },
  autostart: false,
});

const SHELL_AND_XML = 'a < b && c; $(reboot) `id` | x > /tmp/y </cmdline> ]]> <!ENTITY e "x"> \'"';

describe('free text in the contract', () => {
  it('accepts shell and XML characters in free text: they are escaped or passed as argv, never interpreted', () => {
    expect(
      refusal('DefineDomain', domain({ kernel: { path: '/boot/vmlinuz', cmdline: SHELL_AND_XML } })),
    ).toBe(undefined);
    expect(
      refusal('CreateSnapshot', {
        name: 'vm',
        snapshot: 's',
        description: `${SHELL_AND_XML}\n\tsecond line`,
      }),
    ).toBe(undefined);
    expect(
      refusal(
        'CreateContainer',
        container({
          command: ['sh', '-c', SHELL_AND_XML],
          env: { A: SHELL_AND_XML },
          labels: { l: SHELL_AND_XML },
        }),
      ),
    ).toBe(undefined);
    expect(
      refusal('ExecContainer', {
        engine: 'docker',
        container: 'c',
        request: { argv: ['echo', SHELL_AND_XML], env: [`A=${SHELL_AND_XML}`] },
      }),
    ).toBe(undefined);
  });

  it('refuses NUL everywhere, and control characters where the text lands in XML, naming the field', () => {
    const cases: [HelperMethodName, object, string][] = [
      ['DefineDomain', domain({ kernel: { path: '/boot/vmlinuz', cmdline: 'a\0b' } }), 'spec.kernel.cmdline'],
      ['DefineDomain', domain({ kernel: { path: '/boot/vmlinuz', cmdline: 'a\rb' } }), 'spec.kernel.cmdline'],
      [
        'DefineDomain',
        domain({ kernel: { path: '/boot/vmlinuz', cmdline: 'a\u0001b' } }),
        'spec.kernel.cmdline',
      ],
      ['DefineDomain', domain({ kernel: { path: '/boot/vm\tlinuz' } }), 'spec.kernel.path'],
      ['DefineDomain', domain({ kernel: { path: '/boot/\ud800' } }), 'spec.kernel.path'],
      ['CreateSnapshot', { name: 'vm', snapshot: 's', description: 'a\r\nb' }, 'description'],
      ['CreateSnapshot', { name: 'vm', snapshot: 's', description: 'a\0' }, 'description'],
      ['CreateContainer', container({ command: ['sh', 'a\0b'] }), 'spec.command.1'],
      ['CreateContainer', container({ env: { A: 'x\0' } }), 'spec.env.A'],
      ['CreateContainer', container({ labels: { 'org.example': 'x\0' } }), 'spec.labels."org.example"'],
      ['ExecContainer', { engine: 'docker', container: 'c', request: { argv: ['a\0'] } }, 'request.argv.0'],
      [
        'ExecContainer',
        { engine: 'docker', container: 'c', request: { argv: ['a'], env: ['A=\0'] } },
        'request.env.0',
      ],
    ];
    for (const [method, input, field] of cases) expect(refusal(method, input), field).toContain(`${field}: `);
  });

  it('refuses an SSH key with a line break (it would add another key)', () => {
    const cloudInit = (key: string) =>
      domain({
        cloudInit: { instanceId: 'i', userData: '#cloud-config\n', publicKeys: [key] },
      });
    expect(refusal('DefineDomain', cloudInit('ssh-ed25519 AAAAC3Nza me@host'))).toBe(undefined);
    expect(refusal('DefineDomain', cloudInit('ssh-ed25519 AAAAC3Nza me\nssh-rsa AAAAB3 evil'))).toContain(
      'spec.cloudInit.publicKeys.0: ',
    );
  });
});

describe('container fields that reach Docker', () => {
  it('refuses an image reference with shell or markup characters', () => {
    for (const image of ['$(reboot)', '<x/>', 'a;b', '-rf', 'a|b'])
      expect(refusal('CreateContainer', container({ image })), image).toContain('spec.image: ');
  });

  it('refuses mounts Docker would read as options or paths, naming source or target', () => {
    const mount = (type: string, source: string, target = '/data') =>
      container({ mounts: [{ type, source, target, readOnly: false }] });
    expect(refusal('CreateContainer', mount('bind', '/srv/data'))).toBe(undefined);
    expect(refusal('CreateContainer', mount('volume', 'data'))).toBe(undefined);
    for (const source of ['data', '../etc', '/srv/../etc', '/srv/a:b', '/srv/a,ro', '/srv/a\nb'])
      expect(refusal('CreateContainer', mount('bind', source)), source).toContain('spec.mounts.0.source: ');
    for (const source of ['/etc', '../x', 'a b'])
      expect(refusal('CreateContainer', mount('volume', source)), source).toContain('spec.mounts.0.source: ');
    expect(refusal('CreateContainer', mount('bind', '/srv/data', '/data:ro'))).toContain(
      'spec.mounts.0.target: ',
    );
  });

  it('refuses a subnet that is not an IPv4 CIDR', () => {
    const create = (subnet: string) =>
      refusal('CreateEngineNetwork', { engine: 'docker', spec: { name: 'n', internal: false, subnet } });
    expect(create('10.90.0.0/24')).toBe(undefined);
    for (const subnet of ['999.1.1.0/24', '10.0.0.0/33', '10.0.0.0/24; reboot', '10.0.0/24'])
      expect(create(subnet), subnet).toContain('spec.subnet: ');
  });
});

describe('addresses and DHCP ranges', () => {
  it('accepts a host address and a range of host addresses inside its subnet', () => {
    expect(
      refusal(
        'DefineNetwork',
        network({ address: '10.7.0.1', prefix: 24, dhcp: { start: '10.7.0.10', end: '10.7.0.20' } }),
      ),
    ).toBe(undefined);
  });

  it('refuses ranges outside the subnet, backwards, or over the host’s address, naming the field', () => {
    const cases: [object, string][] = [
      [
        { address: '10.7.0.1', prefix: 24, dhcp: { start: '10.8.0.10', end: '10.7.0.20' } },
        'spec.ipv4.dhcp.start',
      ],
      [
        { address: '10.7.0.1', prefix: 24, dhcp: { start: '10.7.0.10', end: '10.7.0.255' } },
        'spec.ipv4.dhcp.end',
      ],
      [
        { address: '10.7.0.1', prefix: 24, dhcp: { start: '10.7.0.20', end: '10.7.0.10' } },
        'spec.ipv4.dhcp.end',
      ],
      [
        { address: '10.7.0.15', prefix: 24, dhcp: { start: '10.7.0.10', end: '10.7.0.20' } },
        'spec.ipv4.dhcp',
      ],
      [{ address: '10.7.0.0', prefix: 24 }, 'spec.ipv4.address'],
      [{ address: '10.7.0.255', prefix: 24 }, 'spec.ipv4.address'],
    ];
    for (const [ipv4, field] of cases)
      expect(refusal('DefineNetwork', network(ipv4)), JSON.stringify(ipv4)).toContain(`${field}: `);
    const bridge = {
      spec: {
        name: 'nv-b',
        ownership,
        stp: false,
        nat: { address: '10.6.0.1', prefix: 24, dhcp: { start: '10.6.1.1', end: '10.6.1.9' } },
      },
      takeUplink: false,
    };
    expect(refusal('CreateHostBridge', bridge)).toContain('spec.nat.dhcp.start: ');
  });
});

describe('describeZodError', () => {
  it('quotes a record key the caller chose, and cuts a long one', () => {
    const hostile = refusal('CreateContainer', container({ env: { '$(reboot)\n': 'x' } }));
    expect(hostile).toContain(
      'spec.env."$(reboot)\\n": Invalid key in record (not an environment variable name)',
    );
    const long = refusal('CreateContainer', container({ env: { ['-'.repeat(1000)]: 'x' } })) ?? '';
    expect(long).toContain(`spec.env."${'-'.repeat(64)}…"`);
    expect(long.length).toBeLessThan(300);
  });
});
