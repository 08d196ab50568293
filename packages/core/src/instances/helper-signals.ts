// libvirt's domain changes through the helper's signals, for watchInstances. The helper may be absent
// (not installed), restart, or the bus connection may drop: each time Nova subscribes again.
import type {
  BackendChanged,
  DomainChanged,
  HelperSignalName,
  HelperSignalPayload,
  HostLinkChanged,
  NetworkChanged,
} from '../contract/helper.js';
import type { VmEventSource, VmWatcher } from './instance-watch.js';

/** The part of HelperClient this needs. */
export interface HelperSubscriber {
  subscribe(
    listener: <S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>) => void,
  ): Promise<() => Promise<void>>;
  /** Whether the bus connection was lost (then a new client is needed). */
  readonly lost: boolean;
}

export interface HelperSignalsOptions {
  /** First wait before subscribing again after a failure; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often to look whether the bus connection was lost (a flag, no call). */
  checkMs?: number;
}

/**
 * Follows the helper's DomainChanged, BackendChanged, NetworkChanged and HostLinkChanged signals until the returned function is called.
 * `connect` gives the current client (LazyHelper.get, which replaces a lost one).
 */
export function watchHelperSignals(
  connect: () => Promise<HelperSubscriber>,
  watcher: VmWatcher,
  options: HelperSignalsOptions = {},
): () => void {
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  const checkMs = options.checkMs ?? 2000;
  const state = { stopped: false };
  // A function, so that the checks after each await read the flag as it is then.
  const isStopped = () => state.stopped;
  let delay = retryMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let available: boolean | undefined;

  const report = (ok: boolean, detail: string) => {
    if (available === ok) return;
    available = ok;
    watcher.status(ok ? 'available' : 'unavailable', detail);
  };
  const later = (fn: () => void, ms: number) => {
    timer = setTimeout(fn, ms);
    timer.unref();
  };

  const watchConnection = (client: HelperSubscriber) => {
    if (isStopped()) return;
    if (!client.lost) {
      later(() => {
        watchConnection(client);
      }, checkMs);
      return;
    }
    unsubscribe = undefined;
    report(false, 'the connection to the system bus was lost');
    later(() => void subscribe(), retryMs);
  };

  const subscribe = async () => {
    if (isStopped()) return;
    try {
      const client = await connect();
      if (isStopped()) return;
      const stop = await client.subscribe((signal, payload) => {
        if (isStopped()) return;
        if (signal === 'DomainChanged') watcher.domain(payload as DomainChanged);
        else if (signal === 'BackendChanged') watcher.backend(payload as BackendChanged);
        else if (signal === 'NetworkChanged') watcher.network?.(payload as NetworkChanged);
        else if (signal === 'HostLinkChanged') watcher.hostLink?.(payload as HostLinkChanged);
      });
      if (isStopped()) {
        await stop();
        return;
      }
      unsubscribe = stop;
      delay = retryMs;
      report(true, 'Nova’s helper sends libvirt’s changes');
      watchConnection(client);
    } catch (err) {
      if (isStopped()) return;
      report(false, err instanceof Error ? err.message : String(err));
      later(() => void subscribe(), delay);
      delay = Math.min(delay * 2, maxRetryMs);
    }
  };

  void subscribe();
  return () => {
    state.stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    void unsubscribe?.().catch(() => undefined);
    unsubscribe = undefined;
  };
}

/**
 * One subscription to the helper shared by every watcher of a process (the instance list, the
 * topology): the helper keeps one subscription per bus connection, so a second Subscribe would add
 * nothing and the first Unsubscribe would end both. The source is watched while anyone watches; a
 * watcher that comes later is told the current status at once.
 */
export function shareVmEvents(source: VmEventSource): VmEventSource {
  const watchers = new Set<VmWatcher>();
  let stop: (() => void) | undefined;
  let last: { status: 'available' | 'unavailable'; detail: string } | undefined;
  const each = (call: (watcher: VmWatcher) => void) => {
    for (const watcher of [...watchers]) call(watcher);
  };
  const fanOut: VmWatcher = {
    domain: (change) => {
      each((watcher) => {
        watcher.domain(change);
      });
    },
    backend: (change) => {
      each((watcher) => {
        watcher.backend(change);
      });
    },
    status: (status, detail) => {
      last = { status, detail };
      each((watcher) => {
        watcher.status(status, detail);
      });
    },
    network: (change) => {
      each((watcher) => watcher.network?.(change));
    },
    hostLink: (change) => {
      each((watcher) => watcher.hostLink?.(change));
    },
  };
  return {
    watch: (watcher) => {
      watchers.add(watcher);
      if (stop === undefined) stop = source.watch(fanOut);
      else if (last !== undefined) watcher.status(last.status, last.detail);
      return () => {
        if (!watchers.delete(watcher) || watchers.size > 0) return;
        const ending = stop;
        stop = undefined;
        last = undefined;
        ending?.();
      };
    },
  };
}
