import type { LogEntry } from '@nova/core';
import { toErrorData } from '@nova/core';
import { useEffect, useState } from 'react';

import { useClient } from '../../shell/client-context.js';
import { appendLogLines, newFollowId } from '../../stores/overview-logs.js';

const TAIL = 200;

/** A container's last log lines, and its new ones as they come while "Follow" is on. */
export function InstanceLogs({ id }: { id: string }) {
  const client = useClient();
  // The lines shown are those read for this container; a stale read (another container) shows as loading.
  const [log, setLog] = useState<{ id: string; lines: LogEntry[]; status: string }>({
    id: '',
    lines: [],
    status: '',
  });
  const [follow, setFollow] = useState(false);

  useEffect(() => {
    let gone = false;
    client.call('instances.logs', { id, tail: TAIL }).then(
      ({ entries }) => {
        if (!gone) setLog({ id, lines: entries, status: entries.length === 0 ? 'No log lines yet.' : '' });
      },
      (err: unknown) => {
        if (!gone)
          setLog({ id, lines: [], status: `The log could not be read: ${toErrorData(err).message}` });
      },
    );
    return () => {
      gone = true;
    };
  }, [client, id]);

  useEffect(() => {
    if (!follow) return;
    const followId = newFollowId();
    const stop = client.on('instances.logs.lines', (batch) => {
      if (batch.followId !== followId) return;
      setLog((shown) => ({
        ...shown,
        lines: appendLogLines(shown.lines, batch),
        ...(batch.ended === true
          ? {
              status:
                batch.error === undefined
                  ? 'Following stopped: the container stopped.'
                  : `Following stopped: ${batch.error}`,
            }
          : {}),
      }));
      if (batch.ended === true) setFollow(false);
    });
    client.call('instances.logs.follow', { id, followId }).catch((err: unknown) => {
      setFollow(false);
      setLog((shown) => ({ ...shown, status: `The log cannot be followed: ${toErrorData(err).message}` }));
    });
    return () => {
      stop();
      void client.call('instances.logs.unfollow', { followId }).catch(() => undefined);
    };
  }, [client, id, follow]);

  const lines = log.id === id ? log.lines : [];
  const status = log.id !== id ? 'Loading…' : follow ? 'Following new lines…' : log.status;
  return (
    <section aria-labelledby="pane-logs" className="pane-section">
      <h3 id="pane-logs">Logs</h3>
      <label className="inline">
        <input
          type="checkbox"
          checked={follow}
          onChange={(event) => {
            setFollow(event.target.checked);
          }}
        />{' '}
        Follow
      </label>
      <span role="status" className="muted">
        {' '}
        {status}
      </span>
      <pre className="log" aria-label="Log lines" tabIndex={0}>
        {lines.map((line) => (line.time === undefined ? line.text : `${line.time} ${line.text}`)).join('\n')}
      </pre>
    </section>
  );
}
