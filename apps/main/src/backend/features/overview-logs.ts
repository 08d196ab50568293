// Following container logs for the windows: each follow sends its new lines as `instances.logs.lines`
// events in batches. Bounded: few follows at once, a capped buffer per follow (older lines dropped and
// counted), long lines cut, and every follow ends when no window listens any more.
import {
  type InstanceLogLines,
  type LogEntry,
  MAX_LOG_LINES_PER_EVENT,
  NovaError,
  toErrorData,
} from '@nova/core';
import { type ContainerManager, parseInstanceId } from '@nova/core/node';

export const MAX_FOLLOWS = 8;
export const MAX_BUFFERED_LINES = 2000;
const MAX_LINE_CHARS = 8192;
/** A follow nobody stops ends by itself after this long. */
const MAX_FOLLOW_MS = 60 * 60 * 1000;
const FLUSH_MS = 200;

interface Follow {
  abort: AbortController;
  buffer: LogEntry[];
  dropped: number;
  flushTimer: ReturnType<typeof setInterval>;
  endTimer: ReturnType<typeof setTimeout>;
}

export interface LogFollows {
  follow(id: string, followId: string, timestamps: boolean): Promise<void>;
  unfollow(followId: string): boolean;
  stopAll(): void;
  count(): number;
}

function cut(entry: LogEntry): LogEntry {
  return entry.text.length <= MAX_LINE_CHARS
    ? entry
    : { ...entry, text: `${entry.text.slice(0, MAX_LINE_CHARS)} … (line cut)` };
}

export function createLogFollows(
  containers: Pick<ContainerManager, 'engine'>,
  send: (lines: InstanceLogLines) => void,
): LogFollows {
  const follows = new Map<string, Follow>();

  const flush = (followId: string, follow: Follow, last: { ended?: boolean; error?: string } = {}) => {
    do {
      const entries = follow.buffer.splice(0, MAX_LOG_LINES_PER_EVENT);
      const done = follow.buffer.length === 0;
      if (entries.length === 0 && follow.dropped === 0 && !(done && last.ended === true)) return;
      send({
        followId,
        entries,
        ...(follow.dropped > 0 ? { dropped: follow.dropped } : {}),
        ...(done && last.ended === true ? { ended: true } : {}),
        ...(done && last.error !== undefined ? { error: last.error } : {}),
      });
      follow.dropped = 0;
    } while (follow.buffer.length > 0);
  };

  const end = (followId: string, error?: string) => {
    const follow = follows.get(followId);
    if (follow === undefined) return;
    follows.delete(followId);
    clearInterval(follow.flushTimer);
    clearTimeout(follow.endTimer);
    follow.abort.abort();
    flush(followId, follow, { ended: true, ...(error === undefined ? {} : { error }) });
  };

  return {
    async follow(id, followId, timestamps) {
      const parsed = parseInstanceId(id);
      if (parsed.kind !== 'container')
        throw new NovaError('invalid-input', 'only containers have logs Nova can follow');
      if (follows.has(followId)) throw new NovaError('conflict', `follow ${followId} already runs`);
      if (follows.size >= MAX_FOLLOWS)
        throw new NovaError(
          'conflict',
          `${MAX_FOLLOWS} logs are followed already`,
          'Stop following another log first.',
        );
      const engine = await containers.engine(parsed.engine);
      const follow: Follow = {
        abort: new AbortController(),
        buffer: [],
        dropped: 0,
        flushTimer: setInterval(() => {
          flush(followId, follow);
        }, FLUSH_MS),
        endTimer: setTimeout(() => {
          end(followId);
        }, MAX_FOLLOW_MS),
      };
      follow.flushTimer.unref();
      follow.endTimer.unref();
      follows.set(followId, follow);
      engine
        .followLogs(
          parsed.containerId,
          { tail: 0, timestamps },
          (entry) => {
            follow.buffer.push(cut(entry));
            if (follow.buffer.length > MAX_BUFFERED_LINES) {
              const excess = follow.buffer.length - MAX_BUFFERED_LINES;
              follow.buffer.splice(0, excess);
              follow.dropped += excess;
            }
          },
          follow.abort.signal,
        )
        .then(
          () => {
            end(followId);
          },
          (err: unknown) => {
            end(followId, follow.abort.signal.aborted ? undefined : toErrorData(err).message);
          },
        );
    },
    unfollow(followId) {
      if (!follows.has(followId)) return false;
      end(followId);
      return true;
    },
    stopAll() {
      for (const followId of [...follows.keys()]) end(followId);
    },
    count: () => follows.size,
  };
}
