import { NovaError, toErrorData } from '../contract/errors.js';
import type { ContainerSummary, DomainSummary } from '../contract/helper/index.js';
import type { EngineName, Instance, InstanceList, SourceId, SourceStatus } from '../model/instance.js';

/** Where VMs come from: libvirt, through the privileged helper. */
export interface VmSource {
  readonly endpoint: string;
  listDomains(): Promise<{ connection: string; domains: DomainSummary[] }>;
}

/** One reachable container engine, reached directly or through the helper. */
export interface ContainerSource {
  readonly engine: EngineName;
  readonly endpoint: string;
  readonly via: 'direct' | 'helper';
  listContainers(): Promise<ContainerSummary[]>;
}

/** Finds the container engines of this host: a source for each reachable one, a status for the rest. */
export interface ContainerDiscovery {
  discover(): Promise<(ContainerSource | SourceStatus)[]>;
}

function isContainerSource(value: ContainerSource | SourceStatus): value is ContainerSource {
  return 'listContainers' in value;
}

export function vmInstance(connection: string, domain: DomainSummary): Instance {
  return {
    kind: 'vm',
    id: `vm/${domain.uuid}`,
    name: domain.name,
    state: domain.state,
    origin: domain.origin,
    uuid: domain.uuid,
    connection,
    vcpus: domain.vcpus,
    memoryBytes: domain.memoryBytes,
  };
}

export function containerInstance(source: ContainerSource, container: ContainerSummary): Instance {
  return {
    kind: 'container',
    id: `container/${source.engine}/${container.containerId}`,
    name: container.name,
    state: container.state,
    origin: container.origin,
    engine: source.engine,
    containerId: container.containerId,
    image: container.image,
    via: source.via,
  };
}

const KIND_ORDER = { vm: 0, container: 1 } as const;

export function sortInstances(instances: Instance[]): Instance[] {
  return instances.sort(
    (a, b) =>
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      a.name.localeCompare(b.name, 'en') ||
      a.id.localeCompare(b.id, 'en'),
  );
}

export interface ListOptions {
  /**
   * A list read before, and the sources that changed since: the others, where they answered then (at
   * the same endpoint), are taken from it as they were instead of being asked again.
   */
  reuse?: { list: InstanceList; changed: ReadonlySet<SourceId> };
}

type Kept = (
  id: SourceId,
  endpoint: string,
  via: SourceStatus['via'],
) => { instances: Instance[]; status: SourceStatus } | undefined;

function keptFrom(options: ListOptions): Kept {
  return (id, endpoint, via) => {
    const { reuse } = options;
    if (reuse === undefined || reuse.changed.has(id)) return undefined;
    const status = reuse.list.sources.find((source) => source.id === id);
    if (status?.status !== 'ok' || status.endpoint !== endpoint || status.via !== via) return undefined;
    const instances = reuse.list.instances.filter((instance) =>
      id === 'libvirt' ? instance.kind === 'vm' : instance.kind === 'container' && instance.engine === id,
    );
    return { instances, status };
  };
}

/**
 * One list of every instance on this host: libvirt VMs and the containers of every reachable engine.
 * A source that fails does not hide the others: its status says what went wrong.
 */
export class InstanceManager {
  constructor(
    private readonly vms: VmSource,
    private readonly containers: ContainerDiscovery,
  ) {}

  async list(options: ListOptions = {}): Promise<InstanceList> {
    const kept = keptFrom(options);
    const [vmResult, containerResults] = await Promise.all([
      kept('libvirt', this.vms.endpoint, 'helper') ?? this.#listVms(),
      this.#listContainers(kept),
    ]);
    const instances = [...vmResult.instances, ...containerResults.flatMap((result) => result.instances)];
    return {
      instances: sortInstances(instances),
      sources: [vmResult.status, ...containerResults.map((result) => result.status)],
    };
  }

  async #listVms(): Promise<{ instances: Instance[]; status: SourceStatus }> {
    try {
      const { connection, domains } = await this.vms.listDomains();
      return {
        instances: domains.map((domain) => vmInstance(connection, domain)),
        status: {
          id: 'libvirt',
          status: 'ok',
          endpoint: this.vms.endpoint,
          via: 'helper',
          count: domains.length,
        },
      };
    } catch (err) {
      return {
        instances: [],
        status: {
          id: 'libvirt',
          status: 'unavailable',
          endpoint: this.vms.endpoint,
          via: 'helper',
          error: toErrorData(err),
        },
      };
    }
  }

  async #listContainers(kept: Kept): Promise<{ instances: Instance[]; status: SourceStatus }[]> {
    const found = await this.containers.discover();
    return Promise.all(
      found.map(async (entry) => {
        if (!isContainerSource(entry)) return { instances: [], status: entry };
        const reused = kept(entry.engine, entry.endpoint, entry.via);
        if (reused !== undefined) return reused;
        try {
          const containers = await entry.listContainers();
          return {
            instances: containers.map((container) => containerInstance(entry, container)),
            status: {
              id: entry.engine,
              status: 'ok' as const,
              endpoint: entry.endpoint,
              via: entry.via,
              count: containers.length,
            },
          };
        } catch (err) {
          return {
            instances: [],
            status: {
              id: entry.engine,
              status: 'unavailable' as const,
              endpoint: entry.endpoint,
              via: entry.via,
              error: toErrorData(err),
            },
          };
        }
      }),
    );
  }
}

/** Error codes in the order the CLI reports them when several sources failed. */
const SEVERITY = [
  'invalid-input',
  'not-authorized',
  'backend-unavailable',
  'not-found',
  'conflict',
  'failed',
] as const;

/** The error that best sums up a partly failed listing, or undefined when every source answered. */
export function worstSourceError(list: InstanceList): NovaError | undefined {
  const errors = list.sources.flatMap((source) => (source.error === undefined ? [] : [source.error]));
  errors.sort((a, b) => SEVERITY.indexOf(a.code) - SEVERITY.indexOf(b.code));
  const worst = errors[0];
  return worst === undefined ? undefined : NovaError.fromData(worst);
}
