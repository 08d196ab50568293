// A pull reports every few kilobytes of every layer; the caller needs a few updates a second. Each
// change of a step's status passes at once; byte counts of a step already shown pass at most once per
// interval each (the newest one), so the bus carries a handful of signals a second, not thousands.
import type { ImageProgress } from '@nova/core';

export class ProgressThrottle {
  /** The status last sent for each step (layer id, or '' for the image itself). */
  readonly #lastStatus = new Map<string, string>();
  /** The newest byte count of each step, not sent yet. */
  readonly #pending = new Map<string, ImageProgress>();
  #lastFlush = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (progress: ImageProgress) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {}

  push(progress: ImageProgress): void {
    const key = progress.id ?? '';
    if (this.#lastStatus.get(key) !== progress.status) {
      this.#lastStatus.set(key, progress.status);
      this.#pending.delete(key);
      this.#lastFlush = this.now();
      this.send(progress);
      return;
    }
    this.#pending.set(key, progress);
    const wait = this.#lastFlush + this.intervalMs - this.now();
    if (wait <= 0) this.flush();
    else
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, wait).unref();
  }

  /** Sends what is held back now (at the end of a pull, or when the interval is over). */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#lastFlush = this.now();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const progress of pending) this.send(progress);
  }
}
