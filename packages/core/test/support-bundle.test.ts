import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  BUNDLE_FORMAT,
  type BundleDeps,
  type BundleManifest,
  createSupportBundle,
} from '../src/support/bundle.js';

const NOW = new Date('2024-05-06T07:08:09Z');
const ROOT = 'nova-support-20240506-070809';

function fakeDeps(dir: string): BundleDeps {
  const answer = (method: string): unknown => {
    if (method === 'ListDomains')
      return {
        connection: 'qemu:///system',
        domains: [
          { uuid: 'a', name: 'web/1', state: 'running', origin: 'nova', vcpus: 1, memoryBytes: 1 },
          { uuid: 'b', name: 'web_1', state: 'running', origin: 'nova', vcpus: 1, memoryBytes: 1 },
          { uuid: 'c', name: 'theirs', state: 'running', origin: 'foreign', vcpus: 1, memoryBytes: 1 },
        ],
      };
    if (method === 'GetDomainXml') return { xml: '<domain><mac address="52:54:00:aa:bb:cc"/></domain>' };
    throw new Error(`${method} is not answered here`);
  };
  const helper = ((method: string) => Promise.resolve().then(() => answer(method))) as BundleDeps['helper'];
  const unavailable = () => Promise.reject(new Error('not part of this test'));
  return {
    helper,
    version: unavailable,
    engines: unavailable,
    diagnose: unavailable,
    env: { NOVA_AUDIT_LOG: join(dir, 'audit.log'), NOVA_LOG_DIR: join(dir, 'logs') },
  };
}

describe('the support bundle', () => {
  const made: string[] = [];
  const temporaryDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-bundle-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes one redacted tar.gz, readable by its owner only, with a manifest of what is in it', async () => {
    const dir = temporaryDir();
    const novaFile = join(dir, 'NovaFile');
    writeFileSync(novaFile, 'project = "x"\n# token=abcdef0123456789abcdef\n');
    mkdirSync(join(dir, 'logs'));
    writeFileSync(join(dir, 'logs', 'nova.log'), 'started\n');
    const output = join(dir, 'out', 'bundle.tar.gz');
    mkdirSync(join(dir, 'out'));
    const steps: string[] = [];
    const outcome = await createSupportBundle(fakeDeps(dir), {
      output,
      redact: 'standard',
      logs: true,
      system: false,
      metrics: false,
      novaFiles: [novaFile, join(dir, 'missing')],
      now: () => NOW,
      onProgress: (p) => steps.push(`${p.step}:${p.status}`),
    });
    expect(outcome.path).toBe(output);
    expect(statSync(output).mode & 0o777).toBe(0o600);
    expect(statSync(output).size).toBe(outcome.sizeBytes);
    // Written beside the output and renamed: no temporary file is left.
    expect(readdirSync(join(dir, 'out'))).toEqual(['bundle.tar.gz']);
    expect(steps).toContain('network:skipped');
    expect(steps.at(-1)).toBe('write:done');

    const listing = execFileSync('tar', ['-tzf', output], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual([
      `${ROOT}/`,
      `${ROOT}/manifest.json`,
      `${ROOT}/versions.json`,
      `${ROOT}/novafile/`,
      `${ROOT}/novafile/1-NovaFile`,
      `${ROOT}/libvirt/`,
      `${ROOT}/libvirt/domains.json`,
      `${ROOT}/libvirt/domains/`,
      `${ROOT}/libvirt/domains/web_1.xml`,
      `${ROOT}/libvirt/domains/web_1-2.xml`,
      `${ROOT}/logs/`,
      `${ROOT}/logs/nova/`,
      `${ROOT}/logs/nova/nova.log`,
    ]);
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', output, '-C', unpacked]);
    const manifest = JSON.parse(
      readFileSync(join(unpacked, ROOT, 'manifest.json'), 'utf8'),
    ) as BundleManifest;
    expect(manifest).toEqual(outcome.manifest);
    expect(manifest.format).toBe(BUNDLE_FORMAT);
    expect(manifest.files.map((f) => f.path)).toEqual(
      listing
        .slice(2)
        .filter((p) => !p.endsWith('/'))
        .map((p) => p.slice(ROOT.length + 1)),
    );
    expect(manifest.files.find((f) => f.path === 'novafile/1-NovaFile')?.redacted).toEqual({ token: 1 });
    expect(readFileSync(join(unpacked, ROOT, 'novafile/1-NovaFile'), 'utf8')).not.toContain(
      'abcdef0123456789abcdef',
    );
    expect(manifest.skipped.map((s) => s.source)).toEqual(
      expect.arrayContaining(['versions.components', 'diagnostics', 'network', 'engines', 'metrics']),
    );
    expect(statSync(join(unpacked, ROOT, 'manifest.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace a file that is there', async () => {
    const dir = temporaryDir();
    const output = join(dir, 'bundle.tar.gz');
    writeFileSync(output, 'old');
    await expect(
      createSupportBundle(fakeDeps(dir), {
        output,
        redact: 'none',
        logs: false,
        system: false,
        metrics: false,
        novaFiles: [],
        now: () => NOW,
      }),
    ).rejects.toThrow(/already exists/);
    expect(readFileSync(output, 'utf8')).toBe('old');
  });
});
