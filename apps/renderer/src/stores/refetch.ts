// Fetching a view's data again: one fetch at a time (a request during a fetch makes one more after
// it), and a debounced form for pushed changes that still fetches at least every `maxWaitMs`.

export interface Refetcher {
  /** Fetches now (or once more after the running fetch); `shown`: someone waits, so say loading. */
  now: (shown: boolean) => Promise<void>;
  /** Waits for the running fetch if there is one, else fetches now. */
  join: (shown: boolean) => Promise<void>;
  /** Fetches after `debounceMs` of quiet, or `maxWaitMs` after the first request at the latest. */
  soon: () => void;
  /** Drops a pending debounced fetch. */
  cancel: () => void;
}

export function createRefetcher(options: {
  fetch: () => Promise<void>;
  setLoading: (loading: boolean) => void;
  debounceMs: number;
  maxWaitMs: number;
}): Refetcher {
  let running: Promise<void> | undefined;
  let again = false;
  // A function, so that the check after the await reads the flag as it is then.
  const askedAgain = () => again;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pendingSince = 0;

  const now = (shown: boolean): Promise<void> => {
    if (shown) options.setLoading(true);
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await options.fetch();
        } while (askedAgain());
      } finally {
        running = undefined;
        options.setLoading(false);
      }
    })();
    return running;
  };
  return {
    now,
    join(shown) {
      if (running === undefined) return now(shown);
      if (shown) options.setLoading(true);
      return running;
    },
    soon() {
      const at = Date.now();
      if (timer !== undefined) {
        if (at - pendingSince >= options.maxWaitMs) return;
        clearTimeout(timer);
      } else pendingSince = at;
      timer = setTimeout(() => {
        timer = undefined;
        void now(false);
      }, options.debounceMs);
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
