// `nova support bundle` against the lab: secrets of every kind are planted in every source (the NovaFile,
// a Nova container's environment, a Nova VM's libvirt XML, Nova's log), a bundle is made with the real
// CLI and unpacked with the real tar, and none of the planted values may be found in any of its files.
// Strict mode also replaces host names, MAC and IP addresses, with the same pseudonym in every file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  defineDomain,
  mustRun,
  removeContainer,
  removeDomain,
  requireLab,
  runNova,
  TEST_IMAGE,
  tinyGuestXml,
  uniqueName,
} from '../support/lab.js';

const project = uniqueName('support');
const vmName = uniqueName('support-vm');
const containerName = uniqueName('support-ct');
const dir = mkdtempSync(join(tmpdir(), 'nova-support-'));
const logDir = join(dir, 'logs');
const novaFile = join(dir, 'NovaFile');

// ── What is planted, by kind; none of these values may appear in a bundle ──
const SECRETS = {
  cloudInitPassword: 'CloudInitPw-4f1a9',
  sshPublicKeyBody: '', // filled from ssh-keygen
  urlPassword: 'UrlPassw0rd-88c2',
  urlToken: 'QueryTok-19bd7e55',
  novaFileEnvPassword: 'EnvPassw0rd-7a3c',
  containerToken: 'CtTok-2b8f9e61d0',
  containerSecret: 'sk_live_CtSecret5512',
  domainDescriptionPassword: 'DomPassw0rd-3e4d',
  domainMetadataToken: 'MetaTok-90aa71c3',
  authorizationHeader: 'AuthzTok-5d6e7f8091a2b3c4',
  bearer: 'BearerTok-0a1b2c3d4e5f6a7b',
  jwtSignature: 'c2lnbmF0dXJlLXBsYW50ZWQtand0LXZhbHVl',
  privateKeyBody: '', // filled from ssh-keygen (OpenSSH) and openssl-style PEM
  pemKeyBody: '',
};
// Strict mode only: names and addresses.
const PLANTED_HOST = 'planted-host-q7';
const PLANTED_MAC = '52:54:00:7e:51:a3';
const PLANTED_IPV4 = '10.77.66.55';
const PLANTED_IPV6 = 'fd00:77:66::55';

const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub3ZhLXRlc3QifQ.${SECRETS.jwtSignature}`;

function keyBody(pem: string): string {
  // A line from the middle of the key: any piece of it in the bundle would be a leak.
  const lines = pem.trim().split('\n');
  return lines[Math.floor(lines.length / 2)] ?? '';
}

beforeAll(async () => {
  requireLab();
  mkdirSync(logDir);
  await mustRun('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'planted@example',
    '-f',
    join(dir, 'id_ed25519'),
  ]);
  await mustRun('ssh-keygen', [
    '-q',
    '-t',
    'rsa',
    '-b',
    '2048',
    '-m',
    'PEM',
    '-N',
    '',
    '-f',
    join(dir, 'id_rsa'),
  ]);
  const openssh = readFileSync(join(dir, 'id_ed25519'), 'utf8');
  const pem = readFileSync(join(dir, 'id_rsa'), 'utf8');
  const publicKey = readFileSync(join(dir, 'id_ed25519.pub'), 'utf8').trim();
  SECRETS.sshPublicKeyBody = publicKey.split(' ')[1] ?? '';
  SECRETS.privateKeyBody = keyBody(openssh);
  SECRETS.pemKeyBody = keyBody(pem);

  writeFileSync(
    novaFile,
    [
      `project = "${project}"`,
      `# base image mirror: https://builder:${SECRETS.urlPassword}@mirror.example.com/base.qcow2?access_token=${SECRETS.urlToken}`,
      `[vm.${vmName}]`,
      'memory = "128Mi"',
      `[vm.${vmName}.cloud_init]`,
      `hostname = "${PLANTED_HOST}"`,
      'user_data = """',
      '#cloud-config',
      'chpasswd:',
      `  list: root:${SECRETS.cloudInitPassword}`,
      '"""',
      `ssh_authorized_keys = ["${publicKey}"]`,
      `[container.${containerName}]`,
      `image = "${TEST_IMAGE}"`,
      `env = { DB_PASSWORD = "${SECRETS.novaFileEnvPassword}", LOG_LEVEL = "debug" }`,
      '',
    ].join('\n'),
  );

  // A Nova container (Nova's labels) with secrets in its environment.
  await mustRun('docker', [
    'run',
    '-d',
    '--name',
    containerName,
    '--label',
    'dev.nova.managed=true',
    '--label',
    `dev.nova.project=${project}`,
    '--label',
    'dev.nova.test=1',
    '-e',
    `API_TOKEN=${SECRETS.containerToken}`,
    '-e',
    `STRIPE_SECRET_KEY=${SECRETS.containerSecret}`,
    TEST_IMAGE,
    'sleep',
    '300',
  ]);

  // A Nova VM (its origin metadata) with a secret in its description and its metadata, and a known MAC.
  const xml = tinyGuestXml(vmName, { novaOwned: true })
    .replace(
      `<name>${vmName}</name>`,
      `<name>${vmName}</name>\n  <description>admin password: ${SECRETS.domainDescriptionPassword} (host ${PLANTED_HOST}, ${PLANTED_IPV4})</description>`,
    )
    .replace(
      '</metadata>',
      `<app:cfg xmlns:app="https://example.com/app" token="${SECRETS.domainMetadataToken}"/></metadata>`,
    )
    .replace('<model type="virtio"', `<mac address="${PLANTED_MAC}"/><model type="virtio"`);
  expect(xml).toContain(PLANTED_MAC);
  expect(xml).toContain('app:cfg');
  await defineDomain(xml);

  // Nova's own log, with a bearer token, a JWT and both kinds of private key in it.
  writeFileSync(
    join(logDir, 'nova.log'),
    [
      `2026-11-26T02:00:00Z request GET /v1/images Authorization: Bearer ${SECRETS.authorizationHeader}`,
      `2026-11-26T02:00:00Z token refreshed; calls now send Bearer ${SECRETS.bearer}`,
      `2026-11-26T02:00:01Z session ${JWT}`,
      `2026-11-26T02:00:02Z nic ${PLANTED_MAC} up on ${PLANTED_HOST} with ${PLANTED_IPV4} and ${PLANTED_IPV6}`,
      '2026-11-26T02:00:03Z loaded key:',
      openssh.trim(),
      pem.trim(),
      '2026-11-26T02:00:04Z done',
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await removeContainer(containerName);
  await removeDomain(vmName);
  rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  options: { redact: string; logs: boolean; system: boolean; metrics: boolean };
  files: { path: string; why: string; sizeBytes: number; redacted?: Record<string, number> }[];
  skipped: { source: string; reason: string }[];
  redactions: Record<string, number>;
}

/** Makes a bundle with the real CLI and unpacks it with the real tar: file path → text. */
async function bundle(
  name: string,
  args: string[],
): Promise<{ files: Map<string, string>; manifest: Manifest; path: string }> {
  const output = join(dir, `${name}.tar.gz`);
  const result = await runNova(['-c', novaFile, 'support', 'bundle', '--output', output, ...args], {
    env: { NOVA_LOG_DIR: logDir },
  });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toMatch(/\[1\/\d+\] versions …/);
  expect(result.stdout).toContain(`Wrote ${output}`);
  expect(statSync(output).mode & 0o777).toBe(0o600);
  const into = join(dir, name);
  mkdirSync(into);
  execFileSync('tar', ['-xzf', output, '-C', into]);
  const [root] = readdirSync(into);
  const files = new Map<string, string>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else files.set(`${prefix}${entry.name}`, readFileSync(path, 'utf8'));
    }
  };
  walk(join(into, root ?? ''), '');
  const manifest = JSON.parse(files.get('manifest.json') ?? '{}') as Manifest;
  return { files, manifest, path: output };
}

function leaks(files: Map<string, string>, values: string[]): string[] {
  const found: string[] = [];
  for (const [path, text] of files) {
    for (const value of values) if (value !== '' && text.includes(value)) found.push(`${value} in ${path}`);
  }
  return found;
}

describe('nova support bundle', () => {
  it('contains what the manifest lists, and none of the planted secrets (standard redaction)', async () => {
    const { files, manifest } = await bundle('standard', []);
    expect(leaks(files, Object.values(SECRETS))).toEqual([]);
    expect(leaks(files, [JWT])).toEqual([]);

    // Every file is listed with why it is there and its size; the manifest is the only extra one.
    expect([...files.keys()].sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    for (const file of manifest.files) {
      expect(file.why, file.path).not.toBe('');
      expect(Buffer.byteLength(files.get(file.path) ?? '')).toBe(file.sizeBytes);
    }
    expect(manifest.options).toEqual({ redact: 'standard', logs: true, system: true, metrics: true });

    // The sources are there, with their non-secret content intact.
    const novaFileText = files.get('novafile/1-NovaFile') ?? '';
    expect(novaFileText).toContain(`project = "${project}"`);
    expect(novaFileText).toContain('LOG_LEVEL = "debug"');
    expect(novaFileText).toContain(`hostname = "${PLANTED_HOST}"`);
    const domainXml = files.get(`libvirt/domains/${vmName}.xml`) ?? '';
    expect(domainXml).toContain(`<name>${vmName}</name>`);
    expect(domainXml).toContain('https://nova.dev/xmlns/libvirt/1');
    const inspect = files.get(`engines/docker/containers/${containerName}.json`) ?? '';
    expect(inspect).toContain('API_TOKEN=[redacted:token]');
    expect(inspect).toContain('STRIPE_SECRET_KEY=[redacted:secret]');
    const log = files.get('logs/nova/nova.log') ?? '';
    expect(log).toContain('Authorization: Bearer [redacted:');
    expect(log).toContain('2026-11-26T02:00:04Z done');
    for (const path of [
      'versions.json',
      'diag.json',
      'diag.txt',
      'libvirt/networks/default.xml',
      'network/ip-addr.json',
      'metrics/recent.json',
    ])
      expect(files.has(path), path).toBe(true);
    expect(JSON.parse(files.get('diag.json') ?? '{}')).toHaveProperty('checks');

    // The manifest counts what was redacted, by kind, at least as often as it was planted.
    const expected: Record<string, number> = {
      'private-key': 2,
      'ssh-public-key': 1,
      'cloud-init': 1,
      password: 2,
      token: 3,
      secret: 1,
      'url-credentials': 1,
      'authorization-header': 1,
      'bearer-token': 1,
      jwt: 1,
    };
    for (const [kind, count] of Object.entries(expected))
      expect(manifest.redactions[kind] ?? 0, kind).toBeGreaterThanOrEqual(count);
    // And per file: each planted kind is counted in the file it was planted in.
    const perFile = (path: string) => manifest.files.find((f) => f.path === path)?.redacted ?? {};
    expect(perFile('novafile/1-NovaFile')).toMatchObject({
      'cloud-init': 1,
      'ssh-public-key': 1,
      password: 1,
      'url-credentials': 1,
      token: 1,
    });
    expect(perFile(`libvirt/domains/${vmName}.xml`)).toMatchObject({ password: 1, token: 1 });
    expect(perFile(`engines/docker/containers/${containerName}.json`)).toMatchObject({ token: 1, secret: 1 });
    expect(perFile('logs/nova/nova.log')).toMatchObject({
      'private-key': 2,
      'authorization-header': 1,
      'bearer-token': 1,
      jwt: 1,
    });
    // Addresses stay at this level.
    expect(log).toContain(PLANTED_IPV4);
  }, 60_000);

  it('strict mode replaces host names, MAC and IP addresses with the same pseudonym in every file', async () => {
    const { files, manifest } = await bundle('strict', ['--redact', 'strict', '--no-metrics']);
    expect(manifest.options).toMatchObject({ redact: 'strict', metrics: false });
    expect(manifest.skipped).toContainEqual({ source: 'metrics', reason: 'left out (--no-metrics)' });
    expect(
      leaks(files, [...Object.values(SECRETS), PLANTED_HOST, PLANTED_MAC, PLANTED_IPV4, PLANTED_IPV6]),
    ).toEqual([]);

    const log = files.get('logs/nova/nova.log') ?? '';
    const line = /nic (mac-\d+) up on (host-\d+) with (ip-\d+) and (ip6-\d+)/.exec(log);
    expect(line, log).not.toBeNull();
    const [, mac, host, ip] = line ?? [];
    // The same values elsewhere carry the same pseudonyms.
    expect(files.get(`libvirt/domains/${vmName}.xml`)).toContain(`<mac address='${mac ?? ''}'/>`);
    expect(files.get(`libvirt/domains/${vmName}.xml`)).toContain(`(host ${host ?? ''}, ${ip ?? ''})`);
    expect(files.get('novafile/1-NovaFile')).toContain(`hostname = "${host ?? ''}"`);
    expect(manifest.redactions['mac'] ?? 0).toBeGreaterThanOrEqual(2);
    expect(manifest.redactions['ipv4'] ?? 0).toBeGreaterThanOrEqual(2);
    expect(manifest.redactions['hostname'] ?? 0).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('refuses a bad redaction level and an existing output file with exit code 2, writing nothing', async () => {
    const bad = await runNova(['support', 'bundle', '--redact', 'some', '--output', join(dir, 'bad.tar.gz')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--redact');
    const nowhere = await runNova(['support', 'bundle', '--output', join(dir, 'no-such-folder', 'b.tar.gz')]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('is not a folder');
    const existing = join(dir, 'existing.tar.gz');
    writeFileSync(existing, 'keep me');
    const again = await runNova(['support', 'bundle', '--no-metrics', '--output', existing]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    expect(readdirSync(dir).filter((name) => name.startsWith('.') && name.endsWith('.tmp'))).toEqual([]);
  });
});
