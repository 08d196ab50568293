// Reads what the topology graph needs from the helper (host links, libvirt networks, VMs' interfaces)
// and the container engines, a few calls at a time; a source that fails is reported as a problem and
// the rest is still drawn.
import type { ContainerEngine } from '../containers/engine.js';
import type { EngineNetworkSummary } from '../contract/container-types.js';
import type { TopologyGraph, TopologyProblem, TopologySource } from '../contract/features/topology.js';
import type { HelperCall } from '../contract/helper/index.js';
import type { Instance, InstanceList } from '../model/instance.js';
import { mapBounded } from '../util/semaphore.js';
import { buildTopologyGraph, parseDomainNics, type TopologyFacts, type VmNic } from './topology-graph.js';

export interface TopologyDeps {
  helper: HelperCall;
  instances: { list(): Promise<InstanceList> };
  engines(): Promise<{ engines: Pick<ContainerEngine, 'engine' | 'listNetworks'>[] }>;
  /** How many per-VM helper calls run at once (well under the bus's 128 pending replies). */
  concurrency?: number;
  /** VMs' interfaces from earlier builds, so that each build does not ask for every VM again. */
  nicCache?: VmNicCache;
}

/**
 * Remembers each VM's interfaces for `ttlMs`, keyed by its id and state: a VM that starts, stops or is
 * redefined (its state changes) is asked again at once; a NIC hot-plugged into a running VM shows
 * within `ttlMs`.
 */
export class VmNicCache {
  readonly #entries = new Map<string, { key: string; nics: VmNic[]; at: number }>();

  constructor(
    readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(vm: Pick<Instance, 'id' | 'state'>): VmNic[] | undefined {
    const entry = this.#entries.get(vm.id);
    const fresh = entry?.key === vm.state && this.now() - entry.at <= this.ttlMs;
    return fresh ? entry.nics : undefined;
  }

  set(vm: Pick<Instance, 'id' | 'state'>, nics: VmNic[]): void {
    this.#entries.set(vm.id, { key: vm.state, nics, at: this.now() });
  }

  /** Forgets every VM's NICs (a network changed: a NIC may have come or gone without a state change). */
  clear(): void {
    this.#entries.clear();
  }

  /** Forgets VMs that are gone. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#entries.keys()) if (!ids.has(id)) this.#entries.delete(id);
  }
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Reads every source at once (per-VM calls bounded) and says which failed. */
export async function gatherTopology(deps: TopologyDeps): Promise<TopologyFacts> {
  const problems: TopologyProblem[] = [];
  const attempt = async <T>(
    source: TopologySource,
    what: string,
    read: () => Promise<T>,
    subject?: string,
  ): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      problems.push({
        source,
        message: `${what} could not be read: ${reason(err)}`,
        ...(subject === undefined ? {} : { subject }),
      });
      return undefined;
    }
  };

  const [hostInterfaces, hostBridges, libvirtNetworks, list, engineNetworks] = await Promise.all([
    attempt(
      'host-interfaces',
      'Host interfaces',
      async () => (await deps.helper('ListHostInterfaces', {})).interfaces,
    ),
    attempt('host-bridges', 'Host bridges', async () => (await deps.helper('ListHostBridges', {})).bridges),
    attempt(
      'libvirt-networks',
      'libvirt networks',
      async () => (await deps.helper('ListNetworks', {})).networks,
    ),
    deps.instances.list(),
    readEngineNetworks(deps, problems),
  ]);

  // Sources of instances that should answer and do not; absent ones (not installed) are no problem.
  for (const source of list.sources) {
    if (source.status !== 'unavailable') continue;
    const what = source.id === 'libvirt' ? 'VMs' : `${source.id} containers`;
    problems.push({
      source: source.id,
      message: `${what} could not be read: ${source.error?.message ?? `no answer at ${source.endpoint}`}`,
    });
  }

  const vms = list.instances.filter((instance) => instance.kind === 'vm');
  const vmNics = new Map<string, VmNic[]>();
  const cache = deps.nicCache;
  cache?.keepOnly(new Set(vms.map((vm) => vm.id)));
  const unknown = vms.filter((vm) => {
    const cached = cache?.get(vm);
    if (cached !== undefined) vmNics.set(vm.id, cached);
    return cached === undefined;
  });
  await mapBounded(unknown, deps.concurrency ?? 8, async (vm) => {
    const nics = await attempt(
      'vm-interfaces',
      `The network interfaces of VM "${vm.name}"`,
      async () =>
        parseDomainNics((await deps.helper('GetDomainXml', { uuid: vm.uuid, inactive: false })).xml),
      vm.name,
    );
    if (nics !== undefined) {
      vmNics.set(vm.id, nics);
      cache?.set(vm, nics);
    }
  });

  return {
    hostInterfaces,
    hostBridges,
    libvirtNetworks,
    instances: list.instances,
    vmNics,
    engineNetworks,
    problems,
  };
}

async function readEngineNetworks(
  deps: TopologyDeps,
  problems: TopologyProblem[],
): Promise<EngineNetworkSummary[]> {
  let engines: Pick<ContainerEngine, 'engine' | 'listNetworks'>[];
  try {
    ({ engines } = await deps.engines());
  } catch (err) {
    // Each engine's own failure shows in the instance list's sources; this is the search as a whole.
    problems.push({ source: 'engines', message: `Container engines could not be found: ${reason(err)}` });
    return [];
  }
  const perEngine = await Promise.all(
    engines.map(async (engine) => {
      try {
        return await engine.listNetworks();
      } catch (err) {
        problems.push({
          source: engine.engine,
          message: `${engine.engine} networks could not be read: ${reason(err)}`,
        });
        return [];
      }
    }),
  );
  return perEngine.flat();
}

/** Gathers and builds the graph. */
export async function buildTopology(deps: TopologyDeps): Promise<TopologyGraph> {
  return buildTopologyGraph(await gatherTopology(deps));
}
