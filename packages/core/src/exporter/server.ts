// The exporter's HTTP(S) server: /metrics (Prometheus text), / (a small page) and /-/healthy. A
// listen beyond loopback needs TLS and basic auth, or the caller's explicit consent.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import { NovaError } from '../contract/errors.js';
import { type ExporterConfig, formatListenAddress, isLoopback, verifyPassword } from './config.js';
import type { NovaExporter } from './exporter.js';

export interface ServeOptions {
  /** Listen beyond loopback without TLS or basic auth (`--allow-insecure-listen`). */
  allowInsecureListen?: boolean;
  /** Where warnings go (stderr in the CLI). */
  warn?: (message: string) => void;
}

export interface RunningExporterServer {
  server: Server;
  /** The address it listens on, with the port it got (port 0 asks for a free one). */
  address: { host: string; port: number };
  url: string;
  close(): Promise<void>;
}

/** What is missing for a listen beyond loopback; empty when it may listen as configured. */
export function insecureListenGaps(config: ExporterConfig): string[] {
  if (isLoopback(config.listen.host)) return [];
  const gaps: string[] = [];
  if (config.tls === undefined) gaps.push('TLS ([tls] cert and key)');
  if (config.basicAuth === undefined) gaps.push('basic auth ([basic_auth] username and password_hash)');
  return gaps;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** How many password checks may run at once; more are answered 429 (each costs ~50 ms of a core). */
const MAX_CHECKS_IN_FLIGHT = 2;

/**
 * Basic auth checks: scrypt once per distinct accepted header (then a constant-time compare of its
 * digest), run off the event loop, at most a few at a time.
 */
class BasicAuth {
  readonly #username: string;
  readonly #hash: string;
  readonly #accepted = new Set<string>();
  #inFlight = 0;

  constructor(auth: { username: string; passwordHash: string }) {
    this.#username = auth.username;
    this.#hash = auth.passwordHash;
  }

  /** 'ok', 'refused', or 'busy' when too many checks run already. */
  async check(header: string | undefined): Promise<'ok' | 'refused' | 'busy'> {
    if (!header?.startsWith('Basic ') || header.length > 4096) return 'refused';
    const digest = createHash('sha256').update(header).digest('hex');
    for (const known of this.#accepted) {
      if (timingSafeEqual(Buffer.from(known), Buffer.from(digest))) return 'ok';
    }
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return 'refused';
    if (this.#inFlight >= MAX_CHECKS_IN_FLIGHT) return 'busy';
    this.#inFlight++;
    let passwordOk: boolean;
    try {
      passwordOk = await verifyPassword(decoded.slice(colon + 1), this.#hash);
    } catch {
      passwordOk = false;
    } finally {
      this.#inFlight--;
    }
    const user = Buffer.from(decoded.slice(0, colon));
    const expected = Buffer.from(this.#username);
    const userOk = user.length === expected.length && timingSafeEqual(user, expected);
    if (!userOk || !passwordOk) return 'refused';
    if (this.#accepted.size >= 16) this.#accepted.clear();
    this.#accepted.add(digest);
    return 'ok';
  }
}

function page(exporter: NovaExporter): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Nova exporter</title></head><body>',
    '<h1>Nova exporter</h1>',
    '<p>Prometheus metrics of this host’s VMs and containers.</p>',
    '<ul><li><a href="metrics">/metrics</a></li><li><a href="-/healthy">/-/healthy</a></li></ul>',
    `<p>Sampling every ${String(exporter.config.intervalMs / 1000)} s.</p>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** Serves the exporter as its config says; refuses an insecure listen unless allowed (then warns). */
export async function serveExporter(
  exporter: NovaExporter,
  options: ServeOptions = {},
): Promise<RunningExporterServer> {
  const config = exporter.config;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const gaps = insecureListenGaps(config);
  const where = formatListenAddress(config.listen);
  if (gaps.length > 0) {
    if (options.allowInsecureListen !== true) {
      throw new NovaError(
        'invalid-input',
        `refusing to listen on ${where} without ${gaps.join(' and ')}: anyone who can reach it could read this host’s metrics`,
        'Configure [tls] and [basic_auth] in the exporter config, listen on 127.0.0.1, or pass --allow-insecure-listen if the network is trusted.',
      );
    }
    warn(`nova: warning: listening on ${where} without ${gaps.join(' and ')} (--allow-insecure-listen)`);
  }
  const auth = config.basicAuth === undefined ? undefined : new BasicAuth(config.basicAuth);

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const handler =
      path === '/metrics' ? 'metrics' : path === '/' ? 'index' : path === '/-/healthy' ? 'healthy' : 'other';
    const reply = (code: number, type: string, body: string, headers: Record<string, string> = {}) => {
      exporter.countRequest(handler, code);
      response.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', ...headers });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const serve = () => {
      serveChecked(handler, reply);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { allow: 'GET, HEAD' });
      return;
    }
    if (auth === undefined) {
      serve();
      return;
    }
    auth.check(request.headers.authorization).then(
      (verdict) => {
        if (verdict === 'ok') serve();
        else if (verdict === 'busy')
          reply(429, 'text/plain; charset=utf-8', 'too many password checks at once; try again\n', {
            'retry-after': '1',
          });
        else
          reply(401, 'text/plain; charset=utf-8', 'unauthorized\n', {
            'www-authenticate': 'Basic realm="nova", charset="UTF-8"',
          });
      },
      () => {
        reply(500, 'text/plain; charset=utf-8', 'the password check failed\n');
      },
    );
  };
  const serveChecked = (
    handler: 'metrics' | 'index' | 'healthy' | 'other',
    reply: (code: number, type: string, body: string, headers?: Record<string, string>) => void,
  ): void => {
    if (handler === 'healthy') {
      reply(200, 'text/plain; charset=utf-8', 'Nova exporter is healthy.\n');
      return;
    }
    if (handler === 'index') {
      reply(200, 'text/html; charset=utf-8', page(exporter));
      return;
    }
    if (handler !== 'metrics') {
      reply(404, 'text/plain; charset=utf-8', 'not found: try /metrics\n');
      return;
    }
    exporter.render().then(
      (text) => {
        reply(200, CONTENT_TYPE, text);
      },
      (err: unknown) => {
        reply(500, 'text/plain; charset=utf-8', `${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };

  let server: Server;
  if (config.tls !== undefined) {
    const read = async (path: string, what: string) =>
      readFile(path).catch((err: unknown) => {
        throw new NovaError(
          'invalid-input',
          `cannot read the TLS ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`,
          'Check tls.cert and tls.key in the exporter config.',
        );
      });
    const [cert, key] = await Promise.all([
      read(config.tls.cert, 'certificate'),
      read(config.tls.key, 'key'),
    ]);
    try {
      server = createHttpsServer({ cert, key }, handle);
    } catch (err) {
      throw new NovaError(
        'invalid-input',
        `the TLS certificate or key is not usable: ${err instanceof Error ? err.message : String(err)}`,
        'tls.cert and tls.key must be a PEM certificate and its private key.',
      );
    }
  } else {
    server = createHttpServer(handle);
  }
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      reject(
        new NovaError(
          err.code === 'EACCES' ? 'not-authorized' : 'failed',
          `cannot listen on ${where}: ${err.message}`,
          err.code === 'EADDRINUSE'
            ? 'Another program uses that port: choose another with --listen.'
            : 'Check the listen address.',
        ),
      );
    };
    server.once('error', failed);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const info = server.address() as AddressInfo;
  const address = { host: config.listen.host, port: info.port };
  const scheme = config.tls === undefined ? 'http' : 'https';
  return {
    server,
    address,
    url: `${scheme}://${formatListenAddress(address)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
