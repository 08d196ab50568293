// The detail pane's container log: lines kept in a bounded window, the newest last.
import type { InstanceLogLines, LogEntry } from '@nova/core';

const MAX_SHOWN_LOG_LINES = 1000;

/** Appends what a follow sent, keeping at most `max` lines (the oldest go first). */
export function appendLogLines(
  lines: readonly LogEntry[],
  batch: Pick<InstanceLogLines, 'entries' | 'dropped'>,
  max = MAX_SHOWN_LOG_LINES,
): LogEntry[] {
  const gap: LogEntry[] =
    batch.dropped === undefined || batch.dropped === 0
      ? []
      : [{ stream: 'stderr', text: `(${batch.dropped} lines left out: they came too fast)` }];
  const next = [...lines, ...gap, ...batch.entries];
  return next.length > max ? next.slice(next.length - max) : next;
}

export function newFollowId(): string {
  return crypto.randomUUID();
}
