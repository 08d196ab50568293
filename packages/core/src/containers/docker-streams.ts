// Reading the long-lived streams a Docker-compatible engine answers with (events, statistics, pull and
// import progress): one JSON document per line, for as long as the engine keeps the stream open.

/** Closes a stream whose type does not promise `destroy` (dockerode types its streams loosely). */
export function destroyStream(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as { destroy?: unknown };
  if (typeof destroyable.destroy === 'function') (destroyable.destroy as () => void).call(stream);
}

/**
 * Splits a stream of JSON documents, one per line, calling `onValue` for each; resolves when the stream
 * ends or closes, rejects when it fails.
 *
 * docker-modem's `followProgress` does the same splitting but keeps every document it parsed until the
 * stream ends (for the event and statistics streams, which never end, that grows without bound), throws
 * out of the stream's data handler on a line that is not JSON, and drops a last line that has no line
 * break: this one keeps nothing, skips such a line, and reads the last line too.
 */
export function forEachJsonLine(
  stream: NodeJS.ReadableStream,
  onValue: (value: unknown) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const flush = (final: boolean) => {
      const lines = pending.split('\n');
      pending = final ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed === '') continue;
        try {
          onValue(JSON.parse(trimmed));
        } catch {
          // A line the engine cut short when the stream was closed: nothing to report.
        }
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      flush(false);
    });
    stream.on('end', () => {
      flush(true);
      resolve();
    });
    stream.on('close', () => {
      resolve();
    });
    stream.on('error', reject);
  });
}
