// The NovaFile's networks as Nova creates them: a libvirt network for a NAT or internal one; a Linux
// bridge with the uplink in it, and a libvirt network on top, for an external one; and an engine network
// for each network containers join. Pure.
import type { EngineNetworkSpec, HostBridgeSpec, NetworkSpec } from '../contract/specs.js';
import { bridgeNameFor } from './resolve-names.js';
import type { DesiredBridge, DesiredEngineNetwork, DesiredNetwork, ResolveContext } from './resolve-types.js';
import type { NetworkModel, NovaFileModel } from './schema.js';
import { dhcpRangeOf, gatewayOf, parseCidr, profileOf, uplinkOf } from './semantics.js';
import { owned } from './spec-hash.js';

export function resolveNetworks(
  project: string,
  model: NovaFileModel,
  context: ResolveContext,
): { networks: DesiredNetwork[]; bridges: DesiredBridge[]; engineNetworks: DesiredEngineNetwork[] } {
  const mark = (name: string) => ({ project, name });
  const networks: DesiredNetwork[] = [];
  const bridges: DesiredBridge[] = [];
  const engineNetworks: DesiredEngineNetwork[] = [];
  const usedByContainers = new Set(
    Object.values(model.container).flatMap((c) => (c.network === undefined ? [] : [c.network])),
  );
  for (const [name, network] of Object.entries(model.network)) {
    const profile = profileOf(network);
    if (profile === 'nat' || profile === 'internal') {
      const gateway = gatewayOf(network);
      const dhcp = dhcpRangeOf(network);
      networks.push({
        spec: owned<NetworkSpec>({
          name,
          ownership: mark(name),
          mode: profile === 'nat' ? 'nat' : 'isolated',
          bridge: bridgeNameFor(name),
          ...(network.subnet === undefined || gateway === undefined
            ? {}
            : {
                ipv4: {
                  address: gateway,
                  prefix: parseCidr(network.subnet).prefix,
                  ...(dhcp === undefined ? {} : { dhcp }),
                },
              }),
          dns: network.dns,
        }),
        autostart: network.autostart,
      });
    } else if (profile === 'external') {
      // A Linux bridge Nova makes, with the uplink in it, and a libvirt network on top for the VMs.
      const bridge = bridgeNameFor(name);
      const uplink = uplinkOf(network);
      bridges.push({
        spec: owned<HostBridgeSpec>({
          name: bridge,
          ownership: mark(name),
          ...(uplink === undefined ? {} : { uplink }),
          stp: false,
        }),
      });
      networks.push({
        spec: owned<NetworkSpec>({ name, ownership: mark(name), mode: 'bridge', bridge, dns: false }),
        autostart: network.autostart,
      });
    }
    if (usedByContainers.has(name) && network.type !== 'host' && network.type !== 'none') {
      engineNetworks.push(resolveEngineNetwork(project, name, network, context));
    }
  }
  return { networks, bridges, engineNetworks };
}

function resolveEngineNetwork(
  project: string,
  name: string,
  network: NetworkModel,
  context: ResolveContext,
): DesiredEngineNetwork {
  // A container-only network keeps its addressing; one shared with VMs leaves the subnet to the engine,
  // which would otherwise clash with the libvirt network on the same range.
  const containerOnly = network.type === 'overlay';
  return {
    spec: owned<EngineNetworkSpec>({
      name: `${project}_${name}`,
      ownership: { project, name },
      internal: profileOf(network) === 'internal',
      ...(containerOnly && network.subnet !== undefined ? { subnet: network.subnet } : {}),
      ...(containerOnly && network.gateway !== undefined ? { gateway: network.gateway } : {}),
    }),
    engine: context.defaultEngine,
  };
}
