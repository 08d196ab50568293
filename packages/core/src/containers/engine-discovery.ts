import type { HelperClient } from '../helper-client/helper-client.js';
import type { ContainerDiscovery, ContainerSource } from '../instances/instance-manager.js';
import type { EngineName, SourceStatus } from '../model/instance.js';
import { DockerEngine } from './docker-engine.js';
import type { ContainerEngine } from './engine.js';
import { engineCandidates, type EngineEndpoint, type EngineProbe, probeEngine } from './engines.js';
import { HelperEngine } from './helper-engine.js';

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

export interface DiscoveredEngines {
  /** Reachable engines, in Nova's order (Bolt, Docker, Podman). */
  engines: ContainerEngine[];
  /** Engines that are absent or do not answer, and why. */
  problems: SourceStatus[];
  /** Both, in Nova's order. */
  all: (ContainerEngine | SourceStatus)[];
}

/**
 * Finds the container engines of this host: each reachable one as a ContainerEngine (direct, or
 * through the helper for a root-owned socket), the others with the reason they cannot be used.
 */
export class EngineDiscovery implements ContainerDiscovery {
  readonly #direct = new Map<string, DockerEngine>();
  readonly #relayed = new Map<string, HelperEngine>();

  constructor(
    /** The helper, for root-owned sockets this user may not open; absent where there is none. */
    private readonly helper: (() => Promise<HelperClient>) | undefined,
    private readonly candidates: () => EngineEndpoint[] = () => engineCandidates(),
  ) {}

  async probeAll(options: { withVersion?: boolean } = {}): Promise<EngineProbe[]> {
    return Promise.all(this.candidates().map((endpoint) => probeEngine(endpoint, options)));
  }

  /** The engine object for a reachable endpoint, kept so that its connections are reused. */
  directEngine(endpoint: EngineEndpoint): DockerEngine {
    const key = `${endpoint.engine} ${endpoint.label}`;
    let engine = this.#direct.get(key);
    if (engine === undefined) {
      engine = new DockerEngine(endpoint);
      this.#direct.set(key, engine);
    }
    return engine;
  }

  #relayedEngine(engine: 'docker' | 'podman', helper: () => Promise<HelperClient>): HelperEngine {
    let relayed = this.#relayed.get(engine);
    if (relayed === undefined) {
      relayed = new HelperEngine(engine, helper);
      this.#relayed.set(engine, relayed);
    }
    return relayed;
  }

  async engines(): Promise<DiscoveredEngines> {
    const chosen = chooseEndpoints(await this.probeAll());
    const engines: ContainerEngine[] = [];
    const problems: SourceStatus[] = [];
    const all: (ContainerEngine | SourceStatus)[] = [];
    const used: EngineEndpoint[] = [];
    for (const [name, probe] of chosen) {
      const { endpoint } = probe;
      // DOCKER_HOST may point at Podman's socket: one engine, listed once.
      if (used.some((other) => sameSocket(other, endpoint))) continue;
      used.push(endpoint);
      if (probe.status === 'ok') {
        const engine = this.directEngine(endpoint);
        engines.push(engine);
        all.push(engine);
      } else if (
        probe.status === 'needs-helper' &&
        (name === 'docker' || name === 'podman') &&
        this.helper !== undefined
      ) {
        const engine = this.#relayedEngine(name, this.helper);
        engines.push(engine);
        all.push(engine);
      } else if (probe.status === 'absent') {
        const problem: SourceStatus = { id: name, status: 'absent', endpoint: endpoint.label };
        problems.push(problem);
        all.push(problem);
      } else {
        const problem: SourceStatus = {
          id: name,
          status: 'unavailable',
          endpoint: endpoint.label,
          error: { code: 'backend-unavailable', message: probe.detail },
        };
        problems.push(problem);
        all.push(problem);
      }
    }
    return { engines, problems, all };
  }

  async discover(): Promise<(ContainerSource | SourceStatus)[]> {
    return (await this.engines()).all;
  }
}
