// Instance changes as they happen: the engines' container events and libvirt's signals (through the
// helper), merged per instance over a short window, because one user action is a burst of events
// (`docker stop` sends kill, die and stop), into one change that says what happened.
import type { EngineWatchStatus } from '../containers/engine.js';
import type { ContainerEvent } from '../contract/container-types.js';
import type {
  BackendChanged,
  DomainChanged,
  HostLinkChanged,
  NetworkChanged,
} from '../contract/helper/index.js';
import type { InstanceChange, SourceId } from '../model/instance.js';

export type InstanceChangeListener = (change: InstanceChange) => void;

/** What follows the engines' container events: ContainerManager.watch. */
export interface ContainerEventSource {
  watch(watcher: { event(event: ContainerEvent): void; status(status: EngineWatchStatus): void }): () => void;
}

export interface VmWatcher {
  domain(change: DomainChanged): void;
  /** libvirt went away or came back (the helper's BackendChanged). */
  backend(change: BackendChanged): void;
  /** Whether the changes can be followed at all (the helper answers and took the subscription). */
  status(status: 'available' | 'unavailable', detail: string): void;
  /** A libvirt network was defined, removed, started or stopped. */
  network?(change: NetworkChanged): void;
  /** A host interface (a bridge, a tap, an uplink) came, went or changed. */
  hostLink?(change: HostLinkChanged): void;
}

/** What follows libvirt's domains: the helper's signals. */
export interface VmEventSource {
  watch(watcher: VmWatcher): () => void;
}

export interface CoalesceOptions {
  /** A burst of a container's (or a source's) events ends when nothing more came for this long… */
  quietMs?: number;
  /** …a VM's, after this long: libvirt sends one event per change, and it must show at once. */
  domainQuietMs?: number;
  /** …or this long after it began, so that a steady stream still reports. */
  maxWaitMs?: number;
}

const CONTAINER_WORDS: Record<string, string> = {
  create: 'created',
  start: 'started',
  restart: 'restarted',
  die: 'exited',
  died: 'exited',
  stop: 'stopped',
  kill: 'was sent a signal',
  oom: 'ran out of memory',
  pause: 'paused',
  unpause: 'resumed',
  destroy: 'removed',
  remove: 'removed',
  rename: 'renamed',
  update: 'updated',
};

const DOMAIN_WORDS: Record<DomainChanged['event'], string> = {
  defined: 'defined',
  undefined: 'removed',
  started: 'started',
  suspended: 'paused',
  resumed: 'resumed',
  stopped: 'stopped',
  shutdown: 'shut down',
  pmsuspended: 'suspended',
  crashed: 'crashed',
  unknown: 'changed',
};

const isRemoval = (action: string) => action === 'destroy' || action === 'remove';

/** Actions and events after which an instance is as it was but for its state (no new address, no new NIC). */
const STATE_ONLY_ACTIONS = new Set(['pause', 'unpause']);
const STATE_ONLY_EVENTS = new Set<DomainChanged['event']>(['suspended', 'resumed']);

/** One change for a burst of one container's events (in the order the engine sent them). */
export function describeContainerBurst(events: readonly ContainerEvent[]): InstanceChange {
  const last = events.at(-1);
  if (last === undefined) throw new Error('describeContainerBurst needs at least one event');
  const instanceId = `container/${last.engine}/${last.containerId}`;
  const base = { source: last.engine, instanceId, name: last.name };
  if (isRemoval(last.action))
    return { ...base, reason: `${last.engine}: ${last.name} removed`, removed: true };
  // The last event that says what the container is now (kill alone does not: the process may ignore it).
  const telling = events.findLast((event) => event.state !== undefined);
  const oom = events.some((event) => event.action === 'oom');
  const word =
    oom && telling?.state === 'stopped'
      ? 'ran out of memory and stopped'
      : (CONTAINER_WORDS[(telling ?? last).action] ?? (telling ?? last).action);
  const stateOnly =
    telling?.state !== undefined && events.every((event) => STATE_ONLY_ACTIONS.has(event.action));
  return {
    ...base,
    reason: `${last.engine}: ${last.name} ${word}`,
    ...(telling?.state === undefined ? {} : { state: telling.state }),
    ...(stateOnly ? { stateOnly } : {}),
  };
}

/** One change for a burst of one domain's signals. */
export function describeDomainBurst(signals: readonly DomainChanged[]): InstanceChange {
  const last = signals.at(-1);
  if (last === undefined) throw new Error('describeDomainBurst needs at least one signal');
  const base = {
    source: 'libvirt' as const,
    ...(last.uuid === undefined ? {} : { instanceId: `vm/${last.uuid}` }),
    name: last.name,
  };
  const reason = `libvirt: ${last.name} ${DOMAIN_WORDS[last.event]}`;
  if (last.event === 'undefined') return { ...base, reason, removed: true };
  const stateOnly = signals.every((signal) => STATE_ONLY_EVENTS.has(signal.event));
  return { ...base, reason, state: last.state, ...(stateOnly ? { stateOnly } : {}) };
}

/** A source's event stream went away or came back: everything it shows may have changed meanwhile. */
export function describeSourceStatus(
  source: SourceId,
  status: 'available' | 'unavailable',
  detail: string,
): InstanceChange {
  return {
    source,
    reason: status === 'available' ? `${source}: reachable` : `${source}: unavailable (${detail})`,
    live: status === 'available',
  };
}

type Burst =
  | { kind: 'container'; events: ContainerEvent[] }
  | { kind: 'domain'; signals: DomainChanged[] }
  | { kind: 'source'; change: InstanceChange };

function describeBurst(burst: Burst): InstanceChange {
  switch (burst.kind) {
    case 'container':
      return describeContainerBurst(burst.events);
    case 'domain':
      return describeDomainBurst(burst.signals);
    case 'source':
      return burst.change;
  }
}

/**
 * Quiet time before a container's burst is reported: `docker stop` sends kill, die and stop within a
 * few milliseconds, which must make one change with the final state.
 */
export const QUIET_MS = 100;
/**
 * Quiet time before a VM's burst is reported: libvirt sends one event per change, each with the state
 * it left, so a VM's change goes out at once (the signals of one moment still make one change).
 */
export const DOMAIN_QUIET_MS = 0;

interface PendingBurst {
  burst: Burst;
  first: number;
  last: number;
  quietMs: number;
}

/**
 * Collects events per instance (and per source) and reports each burst once: when its instance has
 * been quiet for its quiet time, or `maxWaitMs` after the burst began. Each burst has its own
 * deadline, so a VM's change is not held back by a container's burst. No I/O; only timers.
 */
export class ChangeCoalescer {
  readonly #pending = new Map<string, PendingBurst>();
  readonly #quietMs: number;
  readonly #domainQuietMs: number;
  readonly #maxWaitMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly listener: InstanceChangeListener,
    options: CoalesceOptions = {},
  ) {
    this.#quietMs = options.quietMs ?? QUIET_MS;
    this.#domainQuietMs = options.domainQuietMs ?? DOMAIN_QUIET_MS;
    this.#maxWaitMs = options.maxWaitMs ?? 500;
  }

  container(event: ContainerEvent): void {
    const key = `container/${event.engine}/${event.containerId}`;
    const pending = this.#pending.get(key);
    if (pending?.burst.kind === 'container') {
      pending.burst.events.push(event);
      pending.last = Date.now();
    } else this.#add(key, { kind: 'container', events: [event] }, this.#quietMs);
    this.#schedule();
  }

  domain(signal: DomainChanged): void {
    const key = signal.uuid === undefined ? `vm-name/${signal.name}` : `vm/${signal.uuid}`;
    const pending = this.#pending.get(key);
    if (pending?.burst.kind === 'domain') {
      pending.burst.signals.push(signal);
      pending.last = Date.now();
    } else this.#add(key, { kind: 'domain', signals: [signal] }, this.#domainQuietMs);
    this.#schedule();
  }

  source(source: SourceId, status: 'available' | 'unavailable', detail: string): void {
    // Deleted first so that the source's latest word is reported after the instance changes before it.
    this.#pending.delete(`source/${source}`);
    this.#add(
      `source/${source}`,
      { kind: 'source', change: describeSourceStatus(source, status, detail) },
      this.#quietMs,
    );
    this.#schedule();
  }

  /** Reports what is pending now. */
  flush(): void {
    this.#report(() => true);
  }

  /** Drops what is pending and reports nothing more. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }

  #add(key: string, burst: Burst, quietMs: number): void {
    const now = Date.now();
    this.#pending.set(key, { burst, first: now, last: now, quietMs });
  }

  #due(pending: PendingBurst): number {
    return Math.min(pending.last + pending.quietMs, pending.first + this.#maxWaitMs);
  }

  /** Reports the bursts `ready` picks, in the order their instances first changed. */
  #report(ready: (pending: PendingBurst) => boolean): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const bursts: Burst[] = [];
    for (const [key, pending] of this.#pending) {
      if (!ready(pending)) continue;
      this.#pending.delete(key);
      bursts.push(pending.burst);
    }
    for (const burst of bursts) {
      if (this.#closed) return;
      this.listener(describeBurst(burst));
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) {
      this.#pending.clear();
      return;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const pending of this.#pending.values()) next = Math.min(next, this.#due(pending));
    this.#timer = setTimeout(
      () => {
        const now = Date.now();
        this.#report((pending) => this.#due(pending) <= now);
      },
      Math.max(0, next - Date.now()),
    );
  }
}

/** What VMs depend on: the helper (its subscription), polkit (it authorizes each call) and libvirt. */
type VmDependency = 'helper' | 'polkit' | 'libvirt';
const VM_DEPENDENCIES: readonly VmDependency[] = ['helper', 'polkit', 'libvirt'];

/**
 * Whether libvirt's VMs are live: only while the helper follows them, polkit answers and libvirt does.
 * A failure is told naming the first dependency that fails (again when that changes); each return of
 * one ("available") is told while nothing else fails, because what changed meanwhile must be listed.
 */
export class VmLiveness {
  readonly #failing = new Map<VmDependency, string>();
  /** The failure told last; undefined once "available" was. */
  #told: string | undefined;

  constructor(private readonly report: (status: 'available' | 'unavailable', detail: string) => void) {}

  update(dependency: VmDependency, ok: boolean, detail: string): void {
    // A helper that subscribed anew (maybe a new process) has not said yet what it finds failing.
    if (dependency === 'helper' && ok) this.#failing.clear();
    if (ok) this.#failing.delete(dependency);
    else this.#failing.set(dependency, detail);
    const first = VM_DEPENDENCIES.find((name) => this.#failing.has(name));
    if (first === undefined) {
      this.#told = undefined;
      this.report('available', detail);
      return;
    }
    const why = this.#failing.get(first) ?? detail;
    if (why === this.#told) return;
    this.#told = why;
    this.report('unavailable', why);
  }
}

export interface InstanceEventSources {
  containers?: ContainerEventSource;
  vms?: VmEventSource;
}

/**
 * Follows every source of instances and reports each change (coalesced) until the returned function is
 * called. A source that is absent or fails does not stop the others; each one retries by itself and
 * reports when it becomes reachable again, so that the listener can list everything anew.
 */
export function watchInstances(
  sources: InstanceEventSources,
  listener: InstanceChangeListener,
  options: CoalesceOptions = {},
): () => void {
  const coalescer = new ChangeCoalescer(listener, options);
  const stops: (() => void)[] = [];
  if (sources.containers !== undefined) {
    stops.push(
      sources.containers.watch({
        event: (event) => {
          coalescer.container(event);
        },
        status: (status) => {
          coalescer.source(status.engine, status.status, status.detail);
        },
      }),
    );
  }
  if (sources.vms !== undefined) {
    const vms = new VmLiveness((status, detail) => {
      coalescer.source('libvirt', status, detail);
    });
    stops.push(
      sources.vms.watch({
        domain: (signal) => {
          coalescer.domain(signal);
        },
        // Root-owned engines' BackendChanged reach the container side already (HelperEngine.watch).
        backend: (change) => {
          if (change.backend === 'libvirt' || change.backend === 'polkit')
            vms.update(change.backend, change.status === 'available', change.detail);
        },
        status: (status, detail) => {
          vms.update('helper', status === 'available', detail);
        },
      }),
    );
  }
  return () => {
    coalescer.close();
    for (const stop of stops) stop();
  };
}
