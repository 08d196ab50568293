import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeBrowserEvent } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import type { Backend, EventListener } from '../src/backend/backend.js';
import { type BrowserServer, startBrowserServer } from '../src/browser/server.js';

// A backend double that echoes calls: this file tests the transport and its checks, not the managers.
function echoBackend(): Backend & { listeners: Set<EventListener> } {
  const listeners = new Set<EventListener>();
  return {
    listeners,
    dispatch: (channel, input) => Promise.resolve({ ok: true, value: { channel, input } }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    warm: () => undefined,
    publish: (event, payload) => {
      for (const listener of listeners) listener(event, payload);
    },
    close: () => undefined,
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  server: BrowserServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('browser mode server', () => {
  let server: BrowserServer;
  const backend = echoBackend();
  let cookie: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Nova</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(tmpdir(), 'nova-secret.txt'), 'secret');
    server = await startBrowserServer({ backend, staticDir: dir });
    cookie = `nova_token_${server.port}=${server.token}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on loopback with a long random token in the printed URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses every request without the token, pages and API alike', async () => {
    expect((await send(server, '/')).status).toBe(401);
    expect((await send(server, '/assets/app.js')).status).toBe(401);
    const call = await send(server, '/api/call/instances.list', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(401);
    expect((await send(server, '/', { headers: { Cookie: `nova_token_${server.port}=wrong` } })).status).toBe(
      401,
    );
    expect((await send(server, '/?token=wrong')).status).toBe(401);
  });

  it('trades the URL’s token for an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
    const reply = await send(server, `/?token=${server.token}`);
    expect(reply.status).toBe(303);
    expect(reply.headers['location']).toBe('/');
    expect(reply.headers['set-cookie']?.[0]).toBe(`${cookie}; Path=/; HttpOnly; SameSite=Strict`);
  });

  it('serves the page with a strict Content-Security-Policy once the token is there', async () => {
    const reply = await send(server, '/', { headers: { Cookie: cookie } });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Nova</title>');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(
      (await send(server, '/assets/app.js', { headers: { Authorization: `Bearer ${server.token}` } })).status,
    ).toBe(200);
  });

  it('refuses a wrong Host (DNS rebinding) and a foreign Origin even with the token', async () => {
    expect(
      (await send(server, '/', { headers: { Cookie: cookie, Host: `evil.example:${server.port}` } })).status,
    ).toBe(403);
    const call = await send(server, '/api/call/system.version', {
      method: 'POST',
      headers: { Cookie: cookie, Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(403);
  });

  it('passes calls to the backend and returns its result', async () => {
    const reply = await send(server, '/api/call/system.version', {
      method: 'POST',
      headers: { Cookie: cookie, Origin: server.origin, 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      ok: true,
      value: { channel: 'system.version', input: { a: 1 } },
    });
  });

  it('refuses calls that are not JSON POSTs', async () => {
    const path = '/api/call/system.version';
    expect((await send(server, path, { headers: { Cookie: cookie } })).status).toBe(405);
    expect(
      (
        await send(server, path, {
          method: 'POST',
          headers: { Cookie: cookie, 'Content-Type': 'text/plain' },
          body: '{}',
        })
      ).status,
    ).toBe(415);
    const bad = await send(server, path, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: '{',
    });
    expect(bad.status).toBe(400);
  });

  it('does not serve files outside the renderer', async () => {
    for (const path of [
      '/../nova-secret.txt',
      '/%2e%2e/nova-secret.txt',
      '/assets/..%2f..%2fnova-secret.txt',
    ]) {
      const reply = await send(server, path, { headers: { Cookie: cookie } });
      expect(reply.body, path).not.toContain('secret');
    }
  });

  it('pushes events over the WebSocket only to a client with the token and our Origin', async () => {
    const refused = async (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
        });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await refused({ Origin: server.origin })).toBe(401);
    expect(await refused({ Origin: 'http://evil.example', Cookie: cookie })).toBe(403);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, {
      headers: { Origin: server.origin, Cookie: cookie },
    });
    await new Promise((resolve, reject) => {
      ws.on('open', resolve);
      ws.on('error', reject);
    });
    const received = new Promise<string>((resolve) =>
      ws.once('message', (data: Buffer) => {
        resolve(data.toString());
      }),
    );
    await expect.poll(() => backend.listeners.size).toBe(1);
    backend.publish('instances.changed', { reason: 'test' });
    const text = await received;
    expect(JSON.parse(text)).toEqual({ event: 'instances.changed', payload: { reason: 'test' } });
    // The page's side of the contract reads it back.
    expect(decodeBrowserEvent(text)).toEqual({ event: 'instances.changed', payload: { reason: 'test' } });
    ws.close();
    await expect.poll(() => backend.listeners.size).toBe(0);
  });
});
