import type { ContainerSummary, RelayedEngine } from '../contract/helper.js';
import type { ContainerDiscovery, ContainerSource } from '../instances/instance-manager.js';
import type { EngineName, SourceStatus } from '../model/instance.js';
import {
  engineCandidates,
  type EngineEndpoint,
  type EngineProbe,
  listEngineContainers,
  probeEngine,
  ROOT_ENGINE_SOCKETS,
} from './engines.js';

/** Lists a root-owned engine's containers through the privileged helper. */
export type ContainerRelay = (
  engine: RelayedEngine,
) => Promise<{ endpoint: string; containers: ContainerSummary[] }>;

function isRelayedEngine(engine: EngineName): engine is RelayedEngine {
  return engine === 'docker' || engine === 'podman';
}

/** The engine to use for each of Bolt, Docker and Podman: the first of its endpoints that answers. */
export function chooseEndpoints(probes: EngineProbe[]): Map<EngineName, EngineProbe> {
  const chosen = new Map<EngineName, EngineProbe>();
  const rank = { ok: 0, 'needs-helper': 1, unavailable: 2, absent: 3 } as const;
  for (const probe of probes) {
    const current = chosen.get(probe.endpoint.engine);
    if (current === undefined || rank[probe.status] < rank[current.status]) {
      chosen.set(probe.endpoint.engine, probe);
    }
  }
  return chosen;
}

function sameSocket(a: EngineEndpoint, b: EngineEndpoint): boolean {
  return a.kind === 'unix' && b.kind === 'unix' && a.socketPath === b.socketPath;
}

export class EngineDiscovery implements ContainerDiscovery {
  constructor(
    private readonly relay: ContainerRelay,
    private readonly candidates: () => EngineEndpoint[] = () => engineCandidates(),
  ) {}

  async probeAll(options: { withVersion?: boolean } = {}): Promise<EngineProbe[]> {
    return Promise.all(this.candidates().map((endpoint) => probeEngine(endpoint, options)));
  }

  async discover(): Promise<(ContainerSource | SourceStatus)[]> {
    const chosen = chooseEndpoints(await this.probeAll());
    const results: (ContainerSource | SourceStatus)[] = [];
    const used: EngineEndpoint[] = [];
    for (const [engine, probe] of chosen) {
      const { endpoint } = probe;
      // DOCKER_HOST may point at Podman's socket: one engine, listed once.
      if (used.some((other) => sameSocket(other, endpoint))) continue;
      used.push(endpoint);
      if (probe.status === 'ok') {
        results.push({
          engine,
          endpoint: endpoint.label,
          via: 'direct',
          listContainers: () => listEngineContainers(endpoint),
        });
      } else if (probe.status === 'needs-helper' && isRelayedEngine(engine)) {
        const relay = this.relay;
        results.push({
          engine,
          endpoint: `unix://${ROOT_ENGINE_SOCKETS[engine]}`,
          via: 'helper',
          listContainers: async () => (await relay(engine)).containers,
        });
      } else if (probe.status === 'absent') {
        results.push({ id: engine, status: 'absent', endpoint: endpoint.label });
      } else {
        results.push({
          id: engine,
          status: 'unavailable',
          endpoint: endpoint.label,
          error: { code: 'backend-unavailable', message: probe.detail },
        });
      }
    }
    return results;
  }
}
