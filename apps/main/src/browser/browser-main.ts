// Browser mode: Nova's backend under plain Node, serving the renderer on 127.0.0.1.
import { parseArgs } from 'node:util';

import { createNovaServices, writeFileAtomic } from '@nova/core/node';

import { createBackend } from '../backend/backend.js';
import { rendererDir } from './renderer-dir.js';
import { startBrowserServer } from './server.js';

/** How long the backend keeps its list ready for a first page after browser mode starts. */
const BROWSER_WARM_MS = 120_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      reason: { type: 'string' },
      'url-file': { type: 'string' },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port ${values.port ?? ''} is not a port number`);
  const backend = createBackend(createNovaServices());
  // The user opens the printed address in a while: the list is ready for the first page by then.
  backend.warm(BROWSER_WARM_MS);
  const server = await startBrowserServer({ backend, staticDir: rendererDir(__dirname), port });
  if (values.reason !== undefined) process.stdout.write(`Nova runs in browser mode: ${values.reason}\n`);
  process.stdout.write(`Open Nova at ${server.url}\n`);
  if (values['url-file'] !== undefined) {
    // A reader polls for this file: it must find the whole address or nothing.
    await writeFileAtomic(values['url-file'], `${server.url}\n`, 0o600);
  }
  const stop = (): void => {
    void server.close().then(() => {
      backend.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `nova: browser mode failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
