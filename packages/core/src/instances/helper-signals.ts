// libvirt's domain changes through the helper's signals, for watchInstances. The helper may be absent
// (not installed), restart, or the bus connection may drop: each time Nova subscribes again.
import {
  type BackendChanged,
  type DomainChanged,
  HELPER_BUS_NAME,
  type HelperSignalName,
  type HelperSignalPayload,
  type HostLinkChanged,
  type NetworkChanged,
} from '../contract/helper/index.js';
import type { VmEventSource, VmWatcher } from './instance-watch.js';

/** The part of HelperClient this needs. */
export interface HelperSubscriber {
  subscribe(
    listener: <S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>) => void,
  ): Promise<() => Promise<void>>;
  /** Tells each change of the helper's bus name owner: undefined when the helper went away. */
  onOwnerChange?(listener: (owner: string | undefined) => void): Promise<() => void>;
  /** Subscribe asks a helper that restarted (it knows no subscriber) to send its signals here again. */
  call(method: 'Subscribe', input: Record<string, never>): Promise<unknown>;
  /** Whether the bus connection was lost (then a new client is needed). */
  readonly lost: boolean;
}

export interface HelperSignalsOptions {
  /** First wait before subscribing again after a failure; doubles up to `maxRetryMs`. */
  retryMs?: number;
  /** The longest wait between two tries: a helper that is back is followed again at most this late. */
  maxRetryMs?: number;
  /** First wait before asking a helper that went away to come back (the call starts it); doubles too. */
  reviveMs?: number;
  /** How often to look whether the bus connection was lost (a flag, no call). */
  checkMs?: number;
}

/** What the window says while the helper is gone: it names the helper and what follows from it. */
export const HELPER_GONE = `Nova’s helper (${HELPER_BUS_NAME}) went away: VMs cannot be listed or followed until it is back`;

/**
 * Follows the helper's DomainChanged, BackendChanged, NetworkChanged and HostLinkChanged signals until
 * the returned function is called. `connect` gives the current client (LazyHelper.get, which replaces a
 * lost one). When the helper goes away (killed, crashed), the watcher hears it at once, and the
 * subscription is asked for again with a growing wait: that call makes the bus start a new helper.
 */
export function watchHelperSignals(
  connect: () => Promise<HelperSubscriber>,
  watcher: VmWatcher,
  options: HelperSignalsOptions = {},
): () => void {
  const retryMs = options.retryMs ?? 1000;
  const maxRetryMs = options.maxRetryMs ?? 5000;
  const reviveMs = options.reviveMs ?? 250;
  const checkMs = options.checkMs ?? 2000;
  const state = { stopped: false };
  // A function, so that the checks after each await read the flag as it is then.
  const isStopped = () => state.stopped;
  let delay = retryMs;
  let reviveDelay = reviveMs;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let reviving: ReturnType<typeof setTimeout> | undefined;
  let unsubscribe: (() => Promise<void>) | undefined;
  let stopOwnerWatch: (() => void) | undefined;
  let current: HelperSubscriber | undefined;
  let available: boolean | undefined;

  const report = (ok: boolean, detail: string) => {
    if (available === ok) return;
    available = ok;
    watcher.status(ok ? 'available' : 'unavailable', detail);
  };
  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
    return timer;
  };
  const forward = <S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>) => {
    if (isStopped()) return;
    if (signal === 'DomainChanged') watcher.domain(payload as DomainChanged);
    else if (signal === 'BackendChanged') watcher.backend(payload as BackendChanged);
    else if (signal === 'NetworkChanged') watcher.network?.(payload as NetworkChanged);
    else if (signal === 'HostLinkChanged') watcher.hostLink?.(payload as HostLinkChanged);
  };

  const dropClient = () => {
    stopOwnerWatch?.();
    stopOwnerWatch = undefined;
    current = undefined;
    unsubscribe = undefined;
    if (reviving !== undefined) clearTimeout(reviving);
    reviving = undefined;
  };

  const watchConnection = (client: HelperSubscriber) => {
    if (isStopped() || client !== current) return;
    if (!client.lost) {
      later(() => {
        watchConnection(client);
      }, checkMs);
      return;
    }
    dropClient();
    report(false, 'the connection to the system bus was lost');
    later(() => void subscribe(), retryMs);
  };

  // Asks for the subscription again on the same connection; the call starts a helper that is not running.
  const revive = async (client: HelperSubscriber) => {
    reviving = undefined;
    if (isStopped() || client !== current) return;
    try {
      await client.call('Subscribe', {});
      if (isStopped() || client !== current) return;
      reviveDelay = reviveMs;
      report(true, 'Nova’s helper is back and sends libvirt’s changes');
    } catch (err) {
      if (isStopped() || client !== current) return;
      report(false, err instanceof Error ? err.message : String(err));
      reviving = later(() => void revive(client), reviveDelay);
      reviveDelay = Math.min(reviveDelay * 2, maxRetryMs);
    }
  };

  const onOwner = (client: HelperSubscriber, owner: string | undefined) => {
    if (isStopped() || client !== current) return;
    if (reviving !== undefined) clearTimeout(reviving);
    reviving = undefined;
    if (owner === undefined) {
      // Its signals stopped with it: whatever changed from now on is missed until it is back.
      report(false, HELPER_GONE);
      reviveDelay = reviveMs;
      reviving = later(() => void revive(client), reviveDelay);
      return;
    }
    // A new helper knows no subscriber: subscribe to it (a listing follows the news that it is back).
    void revive(client);
  };

  const subscribe = async () => {
    if (isStopped()) return;
    try {
      const client = await connect();
      if (isStopped()) return;
      const stop = await client.subscribe(forward);
      if (isStopped()) {
        await stop();
        return;
      }
      current = client;
      unsubscribe = stop;
      delay = retryMs;
      report(true, 'Nova’s helper sends libvirt’s changes');
      const stopWatch = await client.onOwnerChange?.((owner) => {
        onOwner(client, owner);
      });
      if (isStopped() || client !== current) stopWatch?.();
      else stopOwnerWatch = stopWatch;
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
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    const ending = unsubscribe;
    dropClient();
    void ending?.().catch(() => undefined);
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
