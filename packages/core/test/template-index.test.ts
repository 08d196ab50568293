// The template index format: strict validation whose errors name the registry, the template and the
// field; relative URLs resolved against the registry; the built-in templates; checksum lists; and a
// download that resumes in a later run from the .partial an interrupted one kept.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { builtinTemplates } from '../src/templates/builtin.js';
import { loadCatalogReport } from '../src/templates/catalog.js';
import { stackEdits } from '../src/templates/deploy.js';
import { downloadFile } from '../src/templates/download.js';
import { sourceCheck } from '../src/templates/provenance.js';
import { loadRegistry, parseIndex } from '../src/templates/registry.js';
import { findSum } from '../src/templates/verify.js';

const SUM = 'a'.repeat(64);

function vm(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'tiny',
    name: 'Tiny',
    version: '1',
    kind: 'vm',
    os: 'linux',
    publisher: { id: 'lab', name: 'Lab' },
    minimum: { cpu: 1, memory: '64Mi', disk: '32Mi' },
    image: { url: 'tiny.qcow2', format: 'qcow2', sha256: SUM },
    defaults: { cpu: 1, memory: '128Mi', disk_size: '1Gi' },
    ...extra,
  };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-template-index-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('index validation', () => {
  it('accepts a valid index and turns sizes into bytes', () => {
    const index = parseIndex({ version: 1, templates: [vm()] }, 'lab');
    const [template] = index.templates;
    expect(template?.kind).toBe('vm');
    expect(template?.minimum.memory).toBe(64 * 1024 * 1024);
  });

  it('names the registry, the template and the field of each error', () => {
    expect(() => parseIndex({ version: 2, templates: [] }, '/srv/reg')).toThrow(
      /^registry \/srv\/reg: index.json is not valid: version: this Nova reads index version 1/,
    );
    expect(() =>
      parseIndex(
        { version: 1, templates: [vm({ image: { url: 'x', format: 'qcow2', sha256: 'abc' } })] },
        'lab',
      ),
    ).toThrow(
      /templates\[0\] \(id "tiny"\)\.image\.sha256: a sha256 checksum is 64 lower-case hexadecimal digits/,
    );
    expect(() => parseIndex({ version: 1, templates: [vm({ colour: 'red' })] }, 'lab')).toThrow(
      /templates\[0\] \(id "tiny"\).*colour/,
    );
    expect(() =>
      parseIndex({ version: 1, templates: [vm({ image: { url: 'x', format: 'qcow2' } })] }, 'lab'),
    ).toThrow(/image: an image needs "sha256", "sha256sums_url" or "sha512sums_url"/);
    expect(() =>
      parseIndex({ version: 1, templates: [vm({ signature: { type: 'gpg', url: 'x.asc' } })] }, 'lab'),
    ).toThrow(/signature\.type/);
    expect(() => parseIndex({ version: 1, templates: [vm(), vm()] }, 'lab')).toThrow(
      /template id "tiny" appears twice/,
    );
  });

  it('checks a container stack’s containers as a NovaFile would', () => {
    const stack = {
      ...vm(),
      kind: 'container-stack',
      image: undefined,
      defaults: undefined,
      containers: { web: { capsule: 'httpd:2.4', ports: ['eighty'] } },
    };
    expect(() => parseIndex({ version: 1, templates: [stack] }, 'lab')).toThrow(
      /containers\.web\.ports\[0\]: a port is "\[ip:\]host:container\[\/tcp\|udp\]" \(as in a NovaFile's \[container.<name>\]\)/,
    );
  });

  it('refuses what is not JSON, naming the registry', async () => {
    const folder = join(dir, 'broken');
    await mkdir(folder);
    await writeFile(join(folder, 'index.json'), '{ "version": 1, ');
    await expect(loadRegistry(folder)).rejects.toThrow(
      new RegExp(`registry ${folder}: index.json is not JSON`),
    );
  });
});

describe('registries', () => {
  it('resolves a folder registry’s relative URLs to its files, and calls them a local source', async () => {
    const folder = join(dir, 'reg');
    await mkdir(folder);
    await writeFile(
      join(folder, 'index.json'),
      JSON.stringify({ version: 1, name: 'Lab', templates: [vm()] }),
    );
    const registry = await loadRegistry(folder);
    const [template] = registry.templates;
    expect(template?.kind === 'vm' ? template.image.url : '').toBe(`file://${folder}/tiny.qcow2`);
    expect(registry.info).toEqual({ location: folder, kind: 'directory', name: 'Lab' });
    if (template === undefined) throw new Error('no template');
    expect(sourceCheck(template, registry.info)).toEqual({
      status: 'passed',
      detail: `local file ${folder}/tiny.qcow2 (registry ${folder})`,
    });
  });

  it('fails the source check of plain http from another host', () => {
    const template = parseIndex(
      {
        version: 1,
        templates: [vm({ image: { url: 'http://example.org/x.qcow2', format: 'qcow2', sha256: SUM } })],
      },
      'lab',
    ).templates[0];
    if (template === undefined) throw new Error('no template');
    const check = sourceCheck(template, { location: '/srv', kind: 'directory', name: 'x' });
    expect(check.status).toBe('failed');
    expect(check.detail).toMatch(/image: plain http from example.org/);
  });

  it('reports a registry that cannot be read and keeps the others, with an untrusted publisher failing', async () => {
    const configDir = join(dir, 'config');
    await mkdir(configDir, { recursive: true });
    await writeFile(
      join(configDir, 'templates.toml'),
      `registries = ["${join(dir, 'reg')}", "${join(dir, 'nowhere')}"]\n`,
    );
    const report = await loadCatalogReport({ configDir, builtin: false });
    expect(report.entries.map((entry) => entry.template.id)).toEqual(['tiny']);
    expect(report.entries[0]?.failedChecks).toEqual(['signature', 'publisher']);
    expect(report.problems.join('\n')).toMatch(/registry .*nowhere: no such folder/);
  });

  it('leaves out the built-in templates when the NovaFile’s [templates] says enable_builtin = false', async () => {
    const novaFile = join(dir, 'NovaFile');
    await writeFile(novaFile, '[templates]\nenable_builtin = false\n');
    const configDir = join(dir, 'config-empty');
    const without = await loadCatalogReport({ configDir, novaFile, fetchSignatures: false });
    expect(without.entries).toEqual([]);
    await writeFile(novaFile, 'project = "x"\n');
    const withBuiltin = await loadCatalogReport({ configDir, novaFile, fetchSignatures: false });
    expect(withBuiltin.entries.map((entry) => entry.template.id)).toContain('debian-12-genericcloud');
  });

  it('refuses a templates.toml key it does not know, naming the file', async () => {
    const configDir = join(dir, 'config-bad');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'templates.toml'), 'registry = "x"\n');
    await expect(loadCatalogReport({ configDir })).rejects.toThrow(/templates\.toml: .*registry/);
  });
});

describe('built-in templates', () => {
  it('carry no checksum of their own: each is read from the publisher’s https list at deploy time', () => {
    const templates = builtinTemplates();
    expect(templates.filter((t) => t.kind === 'vm').length).toBeGreaterThanOrEqual(5);
    expect(templates.filter((t) => t.kind === 'container-stack').map((t) => t.id)).toEqual([
      'lamp-stack',
      'monitoring-stack',
    ]);
    for (const template of templates) {
      if (template.kind !== 'vm') continue;
      expect(template.image.sha256, template.id).toBeUndefined();
      expect(template.image.url, template.id).toMatch(/^https:\/\//);
      expect(template.image.sha256sums_url ?? template.image.sha512sums_url, template.id).toMatch(
        /^https:\/\//,
      );
      expect(template.signature, template.id).toBeUndefined();
    }
  });

  it('prefixes a stack’s names with the deployment’s and fills in the generated password', () => {
    const lamp = builtinTemplates().find((t) => t.id === 'lamp-stack');
    if (lamp?.kind !== 'container-stack') throw new Error('no lamp-stack');
    const { edits, sections } = stackEdits(lamp, 'shop', 'sekret');
    expect(sections).toEqual(['network.shop-net', 'container.shop-web', 'container.shop-db']);
    const db = edits.find((edit) => edit.op === 'setTable' && edit.path.join('.') === 'container.shop-db');
    expect(db).toMatchObject({
      entries: {
        network: 'shop-net',
        volumes: ['shop-db-data:/var/lib/mysql'],
        env: { MARIADB_PASSWORD: 'sekret' },
      },
    });
    const web = edits.find((edit) => edit.op === 'setTable' && edit.path.join('.') === 'container.shop-web');
    expect(web).toMatchObject({ entries: { env: { DB_HOST: 'shop-db', DB_PASSWORD: 'sekret' } } });
  });
});

describe('checksum lists', () => {
  it('reads GNU and BSD lines, and only the named file', () => {
    const a = '1'.repeat(64);
    const b = '2'.repeat(64);
    const list = `-----BEGIN PGP SIGNED MESSAGE-----\n${a}  other.img\n${b} *disk.img\nSHA256 (bsd.qcow2) = ${a}\n`;
    expect(findSum(list, 'disk.img', 'sha256')).toBe(b);
    expect(findSum(list, 'bsd.qcow2', 'sha256')).toBe(a);
    expect(findSum(list, 'missing.img', 'sha256')).toBeUndefined();
    expect(findSum(list, 'disk.img', 'sha512')).toBeUndefined();
  });
});

describe('download resume', () => {
  const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const seen: (string | undefined)[] = [];
  let cut = true;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers.range);
      const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      if (match !== null) {
        const start = Number(match[1]);
        response.writeHead(206, {
          etag: '"disk-v1"',
          'content-length': String(body.length - start),
          'content-range': `bytes ${String(start)}-${String(body.length - 1)}/${String(body.length)}`,
        });
        response.end(body.subarray(start));
        return;
      }
      // An ETag: without a validator saved with the .partial, a later run starts over instead.
      response.writeHead(200, { etag: '"disk-v1"', 'content-length': String(body.length) });
      if (cut) {
        cut = false;
        response.write(body.subarray(0, 80_000), () => {
          setTimeout(() => response.socket?.destroy(), 20);
        });
        return;
      }
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/disk.qcow2`;
  });

  afterAll(() => {
    server.close();
  });

  it('keeps the .partial of an interrupted download and resumes it with Range in a later run', async () => {
    const dest = join(dir, 'dl', 'disk.qcow2');
    await expect(downloadFile({ url, dest, attempts: 1 })).rejects.toThrow(/kept in .*disk\.qcow2\.partial/);
    expect((await stat(`${dest}.partial`)).size).toBe(80_000);
    const progress: number[] = [];
    const result = await downloadFile({
      url,
      dest,
      attempts: 1,
      onProgress: (p) => progress.push(p.received),
    });
    expect(seen).toEqual([undefined, 'bytes=80000-']);
    expect(result.resumedAt).toEqual([80_000]);
    expect(progress.at(-1)).toBe(body.length);
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    expect(sha(await readFile(dest))).toBe(sha(body));
    await expect(stat(`${dest}.partial`)).rejects.toThrow();
  });
});
