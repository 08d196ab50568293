// Where a deployed template's image goes: deployTemplate makes Nova's default pool on first use and
// says so before the download, and refuses a pool that does not exist before anything is fetched or
// written. A folder registry on disk and a fake helper (it records each call); the integration suite
// (e2e/integration/template-deploy.test.ts) does the same against the real helper.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import type { HelperCall } from '../src/contract/helper/index.js';
import type { HelperMethodName, StoragePoolSummary } from '../src/contract/index.js';
import { type DeployEvent, deployTemplate } from '../src/templates/deploy.js';

let dir: string;
let registry: string;
let configDir: string;
const image = Buffer.alloc(64 * 1024, 7);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nova-deploy-pool-'));
  registry = join(dir, 'registry');
  configDir = join(dir, 'config');
  mkdirSync(registry);
  mkdirSync(configDir);
  writeFileSync(join(registry, 'tiny.img'), image);
  writeFileSync(
    join(registry, 'index.json'),
    JSON.stringify({
      version: 1,
      name: 'lab',
      templates: [
        {
          id: 'tiny',
          name: 'Tiny',
          version: '1',
          kind: 'vm',
          os: 'linux',
          publisher: { id: 'lab', name: 'Lab' },
          minimum: { cpu: 1, memory: '64Mi', disk: '1Mi' },
          image: { url: 'tiny.img', format: 'raw', sha256: createHash('sha256').update(image).digest('hex') },
          defaults: { cpu: 1, memory: '128Mi', disk_size: '1Mi' },
        },
      ],
    }),
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A fake helper over a list of pools; the image "uploaded" into a pool is only recorded. */
function fakeHelper(pools: StoragePoolSummary[]) {
  const calls: { method: HelperMethodName; input: unknown }[] = [];
  const helper = ((method: HelperMethodName, input: unknown) => {
    calls.push({ method, input });
    switch (method) {
      case 'ListStorage':
        return Promise.resolve({ pools });
      case 'DefinePool': {
        const { spec } = input as { spec: { name: string; path: string } };
        pools.push({
          name: spec.name,
          path: spec.path,
          active: true,
          autostart: true,
          origin: 'nova',
          volumes: [],
        });
        return Promise.resolve({});
      }
      case 'UploadVolume': {
        const { pool, name } = input as { pool: string; name: string };
        const folder = pools.find((candidate) => candidate.name === pool)?.path ?? '/nowhere';
        return Promise.resolve({ path: `${folder}/${name}`, format: 'raw', sizeBytes: image.length });
      }
      default:
        return Promise.reject(new Error(`the fake helper has no ${method}`));
    }
  }) as HelperCall;
  return { helper, calls };
}

function deploy(name: string, helper: HelperCall, pool?: string) {
  const events: DeployEvent[] = [];
  const novaFile = join(dir, `${name}.toml`);
  const cacheDir = join(dir, `cache-${name}`);
  const result = deployTemplate(
    // The host has libvirt's default network, which the section names.
    { helper, hostFacts: () => Promise.resolve({ facts: { networks: ['default'] }, warnings: [] }) },
    {
      id: 'tiny',
      name,
      novaFile,
      configDir,
      registries: [registry],
      onlyRegistries: true,
      builtin: false,
      // The folder registry's template is unsigned: these tests are about its pool, not its provenance.
      allowUnverified: true,
      cacheDir,
      ...(pool === undefined ? {} : { pool }),
      onEvent: (event) => events.push(event),
    },
  );
  return { result, events, novaFile, cacheDir };
}

const steps = (events: DeployEvent[]) =>
  events.flatMap((event) => (event.type === 'step' ? [event.message] : []));

describe('deploying a VM template into a storage pool', () => {
  it('makes nova-disks on first use, says so before the download, and copies the image into it', async () => {
    const host = fakeHelper([]);
    const run = deploy('first', host.helper);
    const result = await run.result;
    expect(result.volume).toMatchObject({ pool: 'nova-disks', path: '/var/lib/nova/disks/first.img' });
    const said = steps(run.events);
    expect(said[0]).toBe('storage pool nova-disks did not exist: created it in /var/lib/nova/disks');
    expect(said[1]).toMatch(/^downloading file:/);
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage', 'DefinePool', 'UploadVolume']);
    expect(readFileSync(run.novaFile, 'utf8')).toContain('image = "/var/lib/nova/disks/first.img"');
  });

  it('copies into a pool the person chose, and makes nothing', async () => {
    const host = fakeHelper([
      { name: 'fast', path: '/srv/fast', active: true, autostart: true, origin: 'external', volumes: [] },
    ]);
    const run = deploy('chosen', host.helper, 'fast');
    expect((await run.result).volume).toMatchObject({ pool: 'fast', path: '/srv/fast/chosen.img' });
    expect(steps(run.events).some((line) => line.startsWith('storage pool'))).toBe(false);
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage', 'UploadVolume']);
  });

  it('refuses a pool that does not exist before downloading or writing anything, naming the pools there are', async () => {
    const host = fakeHelper([
      {
        name: 'nova-disks',
        path: '/var/lib/nova/disks',
        active: true,
        autostart: true,
        origin: 'nova',
        volumes: [],
      },
    ]);
    const run = deploy('missing', host.helper, 'fast');
    const error = await run.result.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(NovaError);
    expect(error).toMatchObject({ code: 'not-found', message: 'there is no storage pool named "fast"' });
    expect((error as NovaError).detail).toContain(
      'Storage pools on this host: nova-disks (/var/lib/nova/disks).',
    );
    expect(steps(run.events).some((line) => line.startsWith('downloading'))).toBe(false);
    expect(existsSync(run.cacheDir) ? readdirSync(run.cacheDir) : []).toEqual([]);
    expect(existsSync(run.novaFile)).toBe(false);
    expect(host.calls.map((call) => call.method)).toEqual(['ListStorage']);
  });
});
