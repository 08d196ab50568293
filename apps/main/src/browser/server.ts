import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import {
  BROWSER_EVENTS_PATH,
  channelOfBrowserCallPath,
  encodeBrowserEvent,
  isBrowserCallPath,
} from '@nova/core';
import { type WebSocket, WebSocketServer } from 'ws';

import type { Backend } from '../backend/backend.js';
import {
  allowedHosts,
  allowedOrigins,
  newLaunchToken,
  readBearer,
  readCookie,
  SECURITY_HEADERS,
  tokensEqual,
} from './security.js';
import { readStaticFile } from './static-files.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface BrowserServerOptions {
  backend: Backend;
  /** The built renderer (apps/renderer/dist). */
  staticDir: string;
  port?: number;
  token?: string;
}

export interface BrowserServer {
  /** The URL to open, with the launch token. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the renderer and the contract on 127.0.0.1 only, for a browser instead of Electron's window.
 * Every request and the event socket need the launch token (a cookie set from the printed URL, or a
 * bearer header); a wrong Host or Origin is refused, which stops DNS rebinding and cross-site calls.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? newLaunchToken();
  const server: Server = createServer();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  let port = 0;
  let cookieName = '';

  const authorized = (req: IncomingMessage): boolean =>
    tokensEqual(token, readCookie(req.headers.cookie, cookieName)) ||
    tokensEqual(token, readBearer(req.headers.authorization));
  const hostAllowed = (req: IncomingMessage): boolean => allowedHosts(port).has(req.headers.host ?? '');
  const originAllowed = (req: IncomingMessage, required: boolean): boolean => {
    const origin = req.headers.origin;
    return origin === undefined ? !required : allowedOrigins(port).has(origin);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handleRequest(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req)) {
      send(res, 403, 'Refused: wrong Host header.');
      return;
    }
    if (!originAllowed(req, false)) {
      send(res, 403, 'Refused: cross-origin request.');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

    // The printed URL carries the token once; trade it for a cookie and drop it from the address bar.
    const offered = url.searchParams.get('token');
    if (req.method === 'GET' && offered !== null) {
      if (!tokensEqual(token, offered)) {
        send(res, 401, 'Refused: this link’s token is not valid for this launch of Nova.');
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`,
        Location: `${url.pathname}${url.search}`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!authorized(req)) {
      send(
        res,
        401,
        'Refused: open Nova with the URL it printed when it started (it carries this launch’s token).',
      );
      return;
    }

    if (isBrowserCallPath(url.pathname)) {
      if (req.method !== 'POST') {
        send(res, 405, 'Use POST.');
        return;
      }
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        send(res, 415, 'Send application/json.');
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        send(res, 413, 'Request too large.');
        return;
      }
      let input: unknown;
      try {
        input = body === '' ? {} : JSON.parse(body);
      } catch {
        sendJson(res, 400, {
          ok: false,
          error: { code: 'invalid-input', message: 'the request body is not JSON' },
        });
        return;
      }
      const channel = channelOfBrowserCallPath(url.pathname);
      sendJson(res, 200, await options.backend.dispatch(channel, input));
      return;
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method not allowed.');
      return;
    }
    const file = await readStaticFile(options.staticDir, url.pathname);
    if (file === undefined) {
      send(res, 404, 'Not found.');
      return;
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': file.contentType,
      'Cache-Control': url.pathname.startsWith('/assets/')
        ? 'private, max-age=31536000, immutable'
        : 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = new URL(req.url ?? '/', `http://127.0.0.1:${port}`).pathname;
    if (path !== BROWSER_EVENTS_PATH) {
      refuse('404 Not Found');
      return;
    }
    // Browsers always send Origin on a WebSocket handshake: require ours.
    if (!hostAllowed(req) || !originAllowed(req, true)) {
      refuse('403 Forbidden');
      return;
    }
    if (!authorized(req)) {
      refuse('401 Unauthorized');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const unsubscribe = options.backend.subscribe((event, payload) => {
        ws.send(encodeBrowserEvent(event, payload));
      });
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
      // The socket only pushes; anything the page sends is ignored.
      ws.on('message', () => undefined);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `nova_token_${port}`;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
