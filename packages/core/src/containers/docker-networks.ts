// The networks of an engine: listing them with their members, creating Nova's, and removing one.
import type {
  EngineNetworkSummary,
  EngineObjectTarget,
  NewEngineNetwork,
} from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import { NOVA_PROJECT_LABEL } from './container-model.js';
import type { DockerClients } from './docker-client.js';
import { engineError, reasonOf, statusOf } from './docker-errors.js';
import { novaLabels, originOf, ownerOf, SYSTEM_NETWORKS } from './docker-labels.js';
import { checkOwnership } from './engine.js';

/** The engine's networks, each with the containers on it (running or not). */
export async function listNetworks(docker: DockerClients): Promise<EngineNetworkSummary[]> {
  try {
    const networks = (await docker.quick.listNetworks()) as {
      Id: string;
      Name: string;
      Driver?: string;
      Internal?: boolean;
      Created?: string;
      Labels?: Record<string, string> | null;
      IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
      Containers?: Record<string, { Name?: string }> | null;
    }[];
    // Docker's network list leaves Containers empty (only an inspect fills it): members come from
    // the container list, one call for all networks, stopped containers included.
    const members = new Map<string, Set<string>>();
    const containers = (await docker.quick.listContainers({ all: true })) as {
      Names?: string[];
      NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
    }[];
    for (const container of containers) {
      const name = container.Names?.[0]?.replace(/^\//, '');
      if (name === undefined) continue;
      for (const network of Object.keys(container.NetworkSettings?.Networks ?? {})) {
        let set = members.get(network);
        if (set === undefined) members.set(network, (set = new Set()));
        set.add(name);
      }
    }
    return networks.map((network) => {
      const project = network.Labels?.[NOVA_PROJECT_LABEL];
      const names = new Set(members.get(network.Name));
      for (const c of Object.values(network.Containers ?? {})) if (c.Name !== undefined) names.add(c.Name);
      const origin = originOf(network.Name, network.Labels);
      return {
        engine: docker.engine,
        id: network.Id,
        name: network.Name,
        driver: network.Driver ?? 'bridge',
        internal: network.Internal === true,
        subnets: (network.IPAM?.Config ?? []).flatMap((config) =>
          config.Subnet === undefined
            ? []
            : [
                {
                  subnet: config.Subnet,
                  ...(config.Gateway === undefined || config.Gateway === ''
                    ? {}
                    : { gateway: config.Gateway }),
                },
              ],
        ),
        origin,
        ...(origin === 'nova' && project !== undefined ? { project } : {}),
        containers: [...names].sort(),
        ...(network.Created === undefined || network.Created.startsWith('0001-01-01')
          ? {}
          : { createdAt: network.Created }),
      };
    });
  } catch (err) {
    throw engineError(docker.engine, `list the networks of ${docker.engine}`, err);
  }
}

/** Creates a bridge network labelled as Nova's. */
export async function createNetwork(docker: DockerClients, spec: NewEngineNetwork): Promise<void> {
  try {
    await docker.quick.createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      Internal: spec.internal,
      CheckDuplicate: true,
      Labels: novaLabels(spec.ownership, spec.labels),
      ...(spec.subnet === undefined
        ? {}
        : {
            IPAM: {
              Driver: 'default',
              Config: [
                { Subnet: spec.subnet, ...(spec.gateway === undefined ? {} : { Gateway: spec.gateway }) },
              ],
            },
          }),
    });
  } catch (err) {
    if (statusOf(err) === 409)
      throw new NovaError('conflict', `${docker.engine} has a network named "${spec.name}" already`);
    throw engineError(docker.engine, `create network ${spec.name}`, err);
  }
}

/** Removes a network this change may touch; never one the engine made itself. */
export async function removeNetwork(docker: DockerClients, target: EngineObjectTarget): Promise<void> {
  const { name } = target;
  if (SYSTEM_NETWORKS.has(name))
    throw new NovaError('conflict', `network ${name} is ${docker.engine}'s own, and Nova does not remove it`);
  try {
    const info = (await docker.quick.getNetwork(name).inspect()) as {
      Labels?: Record<string, string> | null;
    };
    checkOwnership('network', name, target, ownerOf(info.Labels));
    await docker.quick.getNetwork(name).remove();
  } catch (err) {
    if (statusOf(err) === 404) throw new NovaError('not-found', `${docker.engine} has no network "${name}"`);
    if (statusOf(err) === 409 || /in use|active endpoints/i.test(reasonOf(err)))
      throw new NovaError(
        'conflict',
        `network ${name} is in use: ${reasonOf(err)}`,
        'Remove or disconnect its containers first.',
      );
    throw engineError(docker.engine, `remove network ${name}`, err);
  }
}
