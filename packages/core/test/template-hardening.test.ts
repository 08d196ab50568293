// Hardening of the template gallery against a hostile or broken registry: small fetches are capped
// while streaming (chunked bodies, file: URLs of devices); an http(s) registry may name only https
// (or loopback http) URLs, and nothing of a template is fetched before its source check; SSH
// signatures are verified in the fixed "nova-template" namespace; legacy minisign signatures are
// refused unless templates.toml allows them; a resumed download is spliced only onto the same file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readTemplatesConfig } from '../src/templates/config.js';
import { downloadFile } from '../src/templates/download.js';
import { fetchText } from '../src/templates/fetch.js';
import {
  MinisignError,
  parseMinisignPublicKey,
  parseMinisignSignature,
  verifyMinisignFile,
} from '../src/templates/minisign.js';
import { initialProvenance, sourceCheck } from '../src/templates/provenance.js';
import { loadRegistry, parseIndex } from '../src/templates/registry.js';
import { readTrustStore } from '../src/templates/trust.js';
import type { Template, VmTemplate } from '../src/templates/types.js';
import { checkSignature } from '../src/templates/verify.js';

const run = promisify(execFile);
const SUM = 'a'.repeat(64);
const MiB = 1024 * 1024;

function vm(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'tiny',
    name: 'Tiny',
    version: '1',
    kind: 'vm',
    os: 'linux',
    publisher: { id: 'lab', name: 'Lab' },
    minimum: { cpu: 1, memory: '64Mi', disk: '32Mi' },
    image: { url: 'https://example.org/tiny.qcow2', format: 'qcow2', sha256: SUM },
    defaults: { cpu: 1, memory: '128Mi', disk_size: '1Gi' },
    ...extra,
  };
}

function template(extra: Record<string, unknown>): Template {
  const parsed = parseIndex({ version: 1, templates: [vm(extra)] }, 'lab').templates[0];
  if (parsed === undefined) throw new Error('no template');
  return parsed;
}

function vmTemplate(extra: Record<string, unknown>): VmTemplate {
  const parsed = template(extra);
  if (parsed.kind !== 'vm') throw new Error('not a vm template');
  return parsed;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 whose behaviour each test sets. */
async function serve(handler: { current: Handler }): Promise<{ server: Server; base: string }> {
  const server = createServer((request, response) => {
    handler.current(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/` };
}

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
const handler: { current: Handler } = {
  current: (_request, response) => response.writeHead(404).end(),
};
let server: Server;
let base: string;
let requests: { path: string; range: string | undefined; ifRange: string | undefined }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-template-hardening-'));
  ({ server, base } = await serve({
    get current(): Handler {
      return (request, response) => {
        requests.push({
          path: new URL(request.url ?? '/', base).pathname,
          range: request.headers.range,
          ifRange: [request.headers['if-range'] ?? []].flat().join(',') || undefined,
        });
        handler.current(request, response);
      };
    },
  }));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  await rm(dir, { recursive: true, force: true });
});

describe('small fetches are capped at 4 MiB while reading', () => {
  it('aborts a chunked body that never ends, naming the URL and the limit', async () => {
    let closed = false;
    handler.current = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: chunked
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (!closed && response.write(chunk));
        if (!closed) response.once('drain', pump);
      };
      response.on('close', () => {
        closed = true;
      });
      pump();
    };
    const url = `${base}endless.json`;
    await expect(fetchText(url, 10_000)).rejects.toThrow(
      new RegExp(`^${url.replace(/[.]/g, '\\.')}: more than 4 MiB \\(4194304 bytes\\)`),
    );
    await expect.poll(() => closed).toBe(true);
  });

  it('reads a chunked body under the limit', async () => {
    handler.current = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('hello ');
      response.end('world');
    };
    await expect(fetchText(`${base}small.txt`)).resolves.toBe('hello world');
  });

  it('refuses a file: URL that is not a regular file (file:///dev/zero) or is larger than 4 MiB', async () => {
    await expect(fetchText('file:///dev/zero')).rejects.toThrow(/file:\/\/\/dev\/zero: not a regular file/);
    const big = join(dir, 'big.json');
    await writeFile(big, '');
    await truncate(big, 5 * MiB);
    const url = pathToFileURL(big).toString();
    await expect(fetchText(url)).rejects.toThrow(`${url}: more than 4 MiB (4194304 bytes)`);
    const small = join(dir, 'small.json');
    await writeFile(small, '{"ok":true}');
    await expect(fetchText(pathToFileURL(small).toString())).resolves.toBe('{"ok":true}');
  });

  it('reads a folder registry’s index.json under the same limit', async () => {
    const folder = join(dir, 'huge-registry');
    await mkdir(folder);
    await writeFile(join(folder, 'index.json'), '');
    await truncate(join(folder, 'index.json'), 5 * MiB);
    await expect(loadRegistry(folder)).rejects.toThrow(
      `registry ${folder}: cannot read ${folder}/index.json: ${pathToFileURL(join(folder, 'index.json')).toString()}: more than 4 MiB`,
    );
  });
});

describe('an http(s) registry may name only https (or loopback http) URLs', () => {
  const httpsRegistry = { location: 'https://example.org/index.json', kind: 'http' as const, name: 'x' };

  it('refuses file: image, signature and SHA256SUMS URLs named by a registry served over http(s)', () => {
    const check = sourceCheck(
      vmTemplate({
        image: {
          url: 'file:///var/lib/secret.qcow2',
          format: 'qcow2',
          sha256sums_url: 'file:///etc/SHA256SUMS',
        },
        signature: { type: 'minisign', url: 'file:///etc/passwd' },
      }),
      httpsRegistry,
    );
    expect(check.status).toBe('failed');
    expect(check.detail).toMatch(
      /image: file:\/\/\/var\/lib\/secret\.qcow2 is a local file named by a registry/,
    );
    expect(check.detail).toMatch(/SHA256SUMS: file:\/\/\/etc\/SHA256SUMS is a local file/);
    expect(check.detail).toMatch(/signature: file:\/\/\/etc\/passwd is a local file/);
    // The same URLs from a folder registry on this host are local files, as before.
    expect(
      sourceCheck(
        vmTemplate({ image: { url: 'file:///srv/reg/tiny.qcow2', format: 'qcow2', sha256: SUM } }),
        { location: '/srv/reg', kind: 'directory', name: 'x' },
      ).status,
    ).toBe('passed');
  });

  it('refuses loopback http named by a registry that is not itself on this host', () => {
    const check = sourceCheck(
      vmTemplate({ image: { url: 'http://127.0.0.1:9/x.qcow2', format: 'qcow2', sha256: SUM } }),
      httpsRegistry,
    );
    expect(check.status).toBe('failed');
    expect(check.detail).toMatch(/image: http on this host's loopback, named by a registry that is not/);
    expect(
      sourceCheck(
        vmTemplate({ image: { url: 'https://cdn.example.org/x.qcow2', format: 'qcow2', sha256: SUM } }),
        httpsRegistry,
      ).status,
    ).toBe('passed');
  });

  it('fetches no signature of a template whose source check fails', async () => {
    const index = {
      version: 1,
      templates: [
        vm({
          id: 'bad-source',
          image: { url: 'file:///etc/hostname', format: 'qcow2', sha256: SUM },
          signature: { type: 'minisign', url: 'bad-source.minisig' },
        }),
      ],
    };
    handler.current = (request, response) => {
      if (request.url === '/index.json') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(index));
        return;
      }
      response.writeHead(404).end();
    };
    requests = [];
    const registry = await loadRegistry(`${base}index.json`);
    const [bad] = registry.templates;
    if (bad === undefined) throw new Error('no template');
    const trust = await readTrustStore(join(dir, 'no-trust'));
    const provenance = await initialProvenance(bad, registry.info, trust);
    expect(provenance.source.status).toBe('failed');
    expect(provenance.source.detail).toMatch(/image: file:\/\/\/etc\/hostname is a local file/);
    expect(provenance.signature).toEqual({
      status: 'failed',
      detail: 'not fetched: the template failed its source check',
    });
    expect(requests.map((request) => request.path)).toEqual(['/index.json']);
  });
});

describe('SSH signatures are verified in the fixed namespace "nova-template"', () => {
  it('refuses a template that declares another namespace, even with a valid signature for it', async () => {
    const keys = join(dir, 'ssh');
    await mkdir(keys);
    const key = join(keys, 'id_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lab@nova.test', '-f', key]);
    const image = join(keys, 'image.qcow2');
    await writeFile(image, Buffer.alloc(10_000, 3));
    const signWith = async (namespace: string) => {
      await rm(`${image}.sig`, { force: true });
      await run('ssh-keygen', ['-Y', 'sign', '-f', key, '-n', namespace, image]);
      return readFile(`${image}.sig`, 'utf8');
    };
    const trustDir = join(keys, 'trusted-keys');
    await mkdir(trustDir);
    // No namespaces="…" restriction: the signer is trusted for any namespace.
    const pub = (await readFile(`${key}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await writeFile(join(trustDir, 'allowed_signers'), `lab@nova.test ${pub}\n`);
    const trust = await readTrustStore(trustDir);
    const publisher = { id: 'lab@nova.test', name: 'Lab', key: 'ssh:lab@nova.test' };
    const withSignature = (inline: string, namespace?: string) =>
      vmTemplate({
        publisher,
        signature: { type: 'ssh', inline, ...(namespace === undefined ? {} : { namespace }) },
      });

    const forFile = await signWith('file');
    const replayed = await checkSignature(withSignature(forFile, 'file'), image, trust);
    expect(replayed).toEqual({
      status: 'failed',
      detail:
        'signature namespace "file" is refused: Nova verifies SSH signatures only in the namespace "nova-template" (sign with ssh-keygen -Y sign -n nova-template)',
    });
    expect((await checkSignature(withSignature(forFile), image, trust)).status).toBe('failed');

    const forNova = await signWith('nova-template');
    expect((await checkSignature(withSignature(forNova), image, trust)).status).toBe('passed');
    expect((await checkSignature(withSignature(forNova, 'nova-template'), image, trust)).status).toBe(
      'passed',
    );
    // At list time too, before anything is downloaded.
    const listed = await initialProvenance(withSignature(forFile, 'file'), httpRegistry(), trust);
    expect(listed.signature.detail).toMatch(/signature namespace "file" is refused/);
  });
});

function httpRegistry() {
  return { location: `${base}index.json`, kind: 'http' as const, name: 'lab' };
}

describe('legacy minisign signatures', () => {
  it('are refused unless templates.toml sets allow_legacy_minisign = true', async () => {
    const keys = join(dir, 'minisign');
    await mkdir(keys);
    const pub = join(keys, 'lab.pub');
    const sec = join(keys, 'lab.key');
    await run('minisign', ['-G', '-p', pub, '-s', sec, '-W']);
    const image = join(keys, 'image.qcow2');
    await writeFile(image, Buffer.alloc(50_000, 9));
    await run('minisign', ['-S', '-l', '-s', sec, '-m', image, '-x', `${image}.legacy`]);
    const key = parseMinisignPublicKey(await readFile(pub, 'utf8'));
    const legacyText = await readFile(`${image}.legacy`, 'utf8');
    const legacy = parseMinisignSignature(legacyText);
    const reason =
      'legacy minisign signature (Ed): sign with minisign ≥0.8 default prehashed mode, or allow legacy signatures in templates.toml (allow_legacy_minisign = true)';
    await expect(verifyMinisignFile(image, legacy, key)).rejects.toThrow(new MinisignError(reason));
    await expect(verifyMinisignFile(image, legacy, key, { allowLegacy: true })).resolves.toBeUndefined();

    const configDir = join(keys, 'config');
    const trustDir = join(configDir, 'trusted-keys');
    await mkdir(trustDir, { recursive: true });
    await writeFile(join(trustDir, 'lab.pub'), await readFile(pub));
    expect((await readTemplatesConfig(configDir)).allowLegacyMinisign).toBe(false);
    const strict = await readTrustStore(trustDir);
    const signed = vmTemplate({
      publisher: { id: 'lab', name: 'Lab', key: `minisign:${key.keyId}` },
      signature: { type: 'minisign', inline: legacyText },
    });
    expect(await checkSignature(signed, image, strict)).toEqual({
      status: 'failed',
      detail: `signature invalid: ${reason}`,
    });
    const listed = await initialProvenance(signed, httpRegistry(), strict);
    expect(listed.signature).toEqual({ status: 'failed', detail: `signature invalid: ${reason}` });

    await writeFile(join(configDir, 'templates.toml'), 'allow_legacy_minisign = true\n');
    const config = await readTemplatesConfig(configDir);
    expect(config.allowLegacyMinisign).toBe(true);
    const lenient = await readTrustStore(config.trustedKeysDir, {
      allowLegacyMinisign: config.allowLegacyMinisign,
    });
    expect((await checkSignature(signed, image, lenient)).status).toBe('passed');
    expect((await initialProvenance(signed, httpRegistry(), lenient)).signature.status).toBe('pending');
  });
});

describe('a resumed download is spliced only onto the same file', () => {
  const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 253));
  const changed = Buffer.from(body.map((byte) => byte ^ 0x55));

  async function withPartial(name: string, bytes: Buffer, meta: Record<string, string> | undefined) {
    const dest = join(dir, 'dl', name);
    const url = `${base}${name}`;
    await mkdir(join(dir, 'dl'), { recursive: true });
    await writeFile(`${dest}.partial`, bytes);
    if (meta !== undefined) await writeFile(`${dest}.partial.json`, JSON.stringify({ url, ...meta }));
    requests = [];
    return { dest, url };
  }

  function rangeServer(current: Buffer, etag: string, options: { badEnd?: boolean } = {}): Handler {
    return (request, response) => {
      const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      if (match !== null && request.headers['if-range'] === etag) {
        const start = Number(match[1]);
        if (start >= current.length) {
          response.writeHead(416, { 'content-range': `bytes */${String(current.length)}` }).end();
          return;
        }
        const end = options.badEnd === true ? current.length - 2 : current.length - 1;
        response.writeHead(206, {
          etag,
          'content-length': String(end - start + 1),
          'content-range': `bytes ${String(start)}-${String(end)}/${String(current.length)}`,
        });
        response.end(current.subarray(start, end + 1));
        return;
      }
      response.writeHead(200, { etag, 'content-length': String(current.length) });
      response.end(current);
    };
  }

  it('treats a 416 as complete only when its size is the .partial’s, else starts over', async () => {
    // The server's file is now shorter than what the .partial holds: 416 "bytes */100000".
    const longer = Buffer.concat([body, Buffer.from('old tail')]);
    handler.current = rangeServer(body, '"v2"');
    const stale = await withPartial('shrunk.qcow2', longer, { etag: '"v2"' });
    const result = await downloadFile({ url: stale.url, dest: stale.dest, attempts: 1 });
    expect(requests.map((request) => request.range)).toEqual([`bytes=${String(longer.length)}-`, undefined]);
    expect(result.resumedAt).toEqual([]);
    expect(sha(await readFile(stale.dest))).toBe(sha(body));

    // A .partial that already holds the whole file: the 416 says so, nothing is downloaded again.
    const whole = await withPartial('whole.qcow2', body, { etag: '"v2"' });
    const done = await downloadFile({ url: whole.url, dest: whole.dest, attempts: 1 });
    expect(requests.map((request) => request.range)).toEqual([`bytes=${String(body.length)}-`]);
    expect(done.bytes).toBe(body.length);
    expect(sha(await readFile(whole.dest))).toBe(sha(body));
  });

  it('starts over when a 206 does not run to the end of the file', async () => {
    handler.current = rangeServer(body, '"v1"', { badEnd: true });
    const { dest, url } = await withPartial('short-206.qcow2', body.subarray(0, 40_000), { etag: '"v1"' });
    const result = await downloadFile({ url, dest, attempts: 1 });
    expect(requests.map((request) => request.range)).toEqual(['bytes=40000-', undefined]);
    expect(result.resumedAt).toEqual([]);
    expect(sha(await readFile(dest))).toBe(sha(body));
  });

  it('sends If-Range with the saved validator, and gets the whole new file when it changed', async () => {
    handler.current = rangeServer(changed, '"v2"');
    const { dest, url } = await withPartial('changed.qcow2', body.subarray(0, 40_000), { etag: '"v1"' });
    const result = await downloadFile({ url, dest, attempts: 1 });
    expect(requests).toEqual([{ path: '/changed.qcow2', range: 'bytes=40000-', ifRange: '"v1"' }]);
    expect(result.resumedAt).toEqual([]);
    expect(sha(await readFile(dest))).toBe(sha(changed));
    await expect(stat(`${dest}.partial.json`)).rejects.toThrow();
  });

  it('starts over instead of resuming when no validator was saved with the .partial', async () => {
    // A server that ignores If-Range: resuming without a validator would splice the changed file's
    // tail onto the old bytes.
    handler.current = (request, response) => {
      const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      if (match !== null) {
        const start = Number(match[1]);
        response.writeHead(206, {
          'content-length': String(changed.length - start),
          'content-range': `bytes ${String(start)}-${String(changed.length - 1)}/${String(changed.length)}`,
        });
        response.end(changed.subarray(start));
        return;
      }
      response.writeHead(200, { 'content-length': String(changed.length) }).end(changed);
    };
    const { dest, url } = await withPartial('no-validator.qcow2', body.subarray(0, 40_000), {});
    const result = await downloadFile({ url, dest, attempts: 1 });
    expect(requests.map((request) => request.range)).toEqual([undefined]);
    expect(result.resumedAt).toEqual([]);
    expect(sha(await readFile(dest))).toBe(sha(changed));
  });
});
