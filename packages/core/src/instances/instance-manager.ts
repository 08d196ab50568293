import { NovaError, toErrorData } from '../contract/errors.js';
import type { ContainerSummary, DomainSummary } from '../contract/helper.js';
import type { EngineName, Instance, InstanceList, SourceStatus } from '../model/instance.js';

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

/**
 * One list of every instance on this host: libvirt VMs and the containers of every reachable engine.
 * A source that fails does not hide the others: its status says what went wrong.
 */
export class InstanceManager {
  constructor(
    private readonly vms: VmSource,
    private readonly containers: ContainerDiscovery,
  ) {}

  async list(): Promise<InstanceList> {
    const [vmResult, containerResults] = await Promise.all([this.#listVms(), this.#listContainers()]);
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

  async #listContainers(): Promise<{ instances: Instance[]; status: SourceStatus }[]> {
    const found = await this.containers.discover();
    return Promise.all(
      found.map(async (entry) => {
        if (!isContainerSource(entry)) return { instances: [], status: entry };
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
