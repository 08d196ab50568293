// NetworkService's order of steps and its undo, against a fake helper: a bridged network takes a host
// interface into a bridge, which the lab cannot spare (its one uplink carries the lab; no dummy links
// here). The real helper, libvirt and Docker run in e2e/integration/network-cli.test.ts.
import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import type { HelperInput, HelperMethodName, HelperOutput } from '../src/contract/helper/index.js';
import { NetworkService } from '../src/networks/network-service.js';

interface Call {
  method: HelperMethodName;
  input: unknown;
}

/** A fake of the privileged helper: a host with eth0 and nothing else; DefineNetwork fails on demand. */
function fakeHelper(options: { defineFails?: boolean } = {}) {
  const calls: Call[] = [];
  const answers: Partial<Record<HelperMethodName, unknown>> = {
    ListHostInterfaces: {
      interfaces: [{ name: 'eth0', kind: 'device', state: 'UP', addresses: ['10.0.2.15/24'] }],
    },
    ListHostBridges: { bridges: [] },
    ListNetworks: { networks: [] },
    CreateHostBridge: { movedAddresses: ['10.0.2.15/24'] },
    DeleteHostBridge: {},
    DefineNetwork: { uuid: '00000000-0000-4000-8000-000000000001' },
  };
  const helper = <M extends HelperMethodName>(method: M, input: HelperInput<M>): Promise<HelperOutput<M>> => {
    calls.push({ method, input });
    if (method === 'DefineNetwork' && options.defineFails === true)
      return Promise.reject(new NovaError('failed', 'libvirt refused the network'));
    const answer = answers[method];
    if (answer === undefined) return Promise.reject(new Error(`the fake has no answer for ${method}`));
    return Promise.resolve(answer as HelperOutput<M>);
  };
  const service = new NetworkService({
    helper,
    instances: { list: () => Promise.resolve({ instances: [], sources: [] }) },
    engines: () => Promise.resolve({ engines: [] }),
    probe: () => Promise.resolve({}),
  });
  const changes = () => calls.filter((call) => !call.method.startsWith('List')).map((call) => call.method);
  return { service, calls, changes };
}

describe('NetworkService.create', () => {
  it('makes a bridged network as a host bridge with the uplink in it, then a libvirt network on it', async () => {
    const { service, calls, changes } = fakeHelper();
    await expect(service.create({ type: 'bridged', name: 'lan', uplink: 'eth0' })).resolves.toEqual({
      kind: 'libvirt',
      name: 'lan',
    });
    expect(changes()).toEqual(['CreateHostBridge', 'DefineNetwork']);
    expect(calls.find((call) => call.method === 'CreateHostBridge')?.input).toMatchObject({
      spec: { name: 'nv-lan', uplink: 'eth0', ownership: { project: 'cli', name: 'lan' } },
      takeUplink: true,
    });
    expect(calls.find((call) => call.method === 'DefineNetwork')?.input).toMatchObject({
      spec: { name: 'lan', mode: 'bridge', bridge: 'nv-lan' },
      autostart: true,
    });
  });

  it('deletes the bridge it made when the libvirt network on it cannot be defined', async () => {
    const { service, calls, changes } = fakeHelper({ defineFails: true });
    await expect(service.create({ type: 'bridged', name: 'lan', uplink: 'eth0' })).rejects.toThrow(
      'libvirt refused the network',
    );
    expect(changes()).toEqual(['CreateHostBridge', 'DefineNetwork', 'DeleteHostBridge']);
    expect(calls.at(-1)?.input).toEqual({ name: 'nv-lan', project: 'cli', force: false });
  });

  it('creates nothing when the network breaks a rule, and says what to do', async () => {
    const { service, changes } = fakeHelper();
    const refused = service.create({ type: 'nat', name: 'lab', subnet: '10.0.2.0/24' });
    await expect(refused).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'subnet 10.0.2.0/24 overlaps 10.0.2.0/24 of interface eth0',
    });
    expect(changes()).toEqual([]);
  });

  it('builds a NAT network’s spec with the gateway and DHCP range it checked', async () => {
    const { service, calls } = fakeHelper();
    await service.create({
      type: 'nat',
      name: 'lab',
      subnet: '10.9.0.0/24',
      dhcpStart: '10.9.0.10',
      dhcpEnd: '10.9.0.20',
    });
    expect(calls.find((call) => call.method === 'DefineNetwork')?.input).toMatchObject({
      spec: {
        name: 'lab',
        mode: 'nat',
        bridge: 'nv-lab',
        ipv4: { address: '10.9.0.1', prefix: 24, dhcp: { start: '10.9.0.10', end: '10.9.0.20' } },
        dns: true,
      },
    });
  });
});
