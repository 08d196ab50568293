// libvirt's domain changes through the helper's signals, for watchInstances. The helper may be absent
// (not installed), restart, or the bus connection may drop: each time Nova subscribes again.
import type {
  BackendChanged,
  DomainChanged,
  HelperSignalName,
  HelperSignalPayload,
} from '../contract/helper.js';
import type { VmWatcher } from './instance-watch.js';

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
 * Follows the helper's DomainChanged and BackendChanged signals until the returned function is called.
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
