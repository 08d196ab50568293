// Watches the host's links: `ip -o monitor link` says that something changed, a fresh listing says what.
// Its lines alone mislead (releasing a bridge port prints "Deleted …" for a link that stays), so they only
// trigger a re-list, at most one per debounce interval, diffed against the previous one.
import { type ChildProcess, spawn } from 'node:child_process';

import type { HostLinkChanged } from '@nova/core';

import { type Ip, ip } from './commands.js';
import { diffLinks, type LinkSnapshot, parseLinks, snapshotLinks } from './links.js';

export interface WatchOptions {
  run?: Ip;
  debounceMs?: number;
  /** First delay before restarting a monitor that exited; doubles up to a minute while it keeps failing. */
  restartDelayMs?: number;
  /** Told when the monitor process starts (its pid) or exits unexpectedly; for logs and tests. */
  onMonitor?: (event: { started: number } | { exited: number | null }) => void;
  /** Told after each listing of the links: a change made after it is reported (for tests). */
  onListed?: () => void;
}

const MAX_RESTART_DELAY_MS = 60_000;
/** A monitor that ran this long counts as healthy again: the next restart is quick. */
const HEALTHY_AFTER_MS = 30_000;

export function watchHostLinks(
  onChange: (event: HostLinkChanged) => void,
  options: WatchOptions = {},
): { stop(): void } {
  const run = options.run ?? ip;
  const debounceMs = options.debounceMs ?? 100;
  const firstDelay = options.restartDelayMs ?? 1000;
  let restartDelay = firstDelay;
  let stopped = false;
  let child: ChildProcess | undefined;
  let pending: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let known: Map<string, LinkSnapshot> | undefined;
  let listing = false;
  let listAgain = false;

  // Read through a function: both flags change in other callbacks while a listing awaits.
  const shouldListAgain = () => listAgain && !stopped;

  const refresh = async () => {
    if (listing) {
      listAgain = true;
      return;
    }
    listing = true;
    try {
      do {
        listAgain = false;
        const now = snapshotLinks(parseLinks(await run(['-j', 'link', 'show'])));
        if (stopped) return;
        const before = known;
        known = now;
        options.onListed?.();
        if (before !== undefined)
          for (const event of diffLinks(before, now)) {
            try {
              onChange(event);
            } catch {
              // A failing listener must not stop the watch.
            }
          }
      } while (shouldListAgain());
    } catch {
      // iproute2 failed this once; the next event or restart lists again.
    } finally {
      listing = false;
    }
  };

  const schedule = () => {
    if (stopped || pending !== undefined) return;
    pending = setTimeout(() => {
      pending = undefined;
      void refresh();
    }, debounceMs);
  };

  const start = () => {
    if (stopped) return;
    const startedAt = Date.now();
    const monitor = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child = monitor;
    let ended = false;
    const onEnd = (code: number | null) => {
      if (ended) return;
      ended = true;
      if (child === monitor) child = undefined;
      if (stopped) return;
      options.onMonitor?.({ exited: code });
      restartDelay = Date.now() - startedAt > HEALTHY_AFTER_MS ? firstDelay : restartDelay;
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        start();
      }, restartDelay);
      restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    };
    monitor.stdout.on('data', schedule);
    monitor.on('error', () => {
      onEnd(null);
    });
    monitor.on('exit', (code) => {
      onEnd(code);
    });
    if (monitor.pid !== undefined) options.onMonitor?.({ started: monitor.pid });
    // Whatever changed while no monitor ran shows up in this listing.
    schedule();
  };

  start();
  void refresh();
  return {
    stop() {
      stopped = true;
      if (pending !== undefined) clearTimeout(pending);
      if (restartTimer !== undefined) clearTimeout(restartTimer);
      child?.kill();
      child = undefined;
    },
  };
}
