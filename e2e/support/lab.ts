// Helpers for tests that run against the lab (scripts/lab.sh up): real libvirtd, dockerd, the
// system bus, polkitd and Nova's helper. Every fixture gets a unique name and is removed afterwards.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { NewContainer } from '@nova/core';
import { type BoundedCaller, LIBVIRT_BUS_NAME, LIBVIRT_QEMU_PATH, mapBounded } from '@nova/core/node';
import XMLBuilder from 'fast-xml-builder';
import type { z } from 'zod';

/** The checkout; NOVA_REPO_ROOT when this file runs bundled elsewhere (the benchmarks). */
export const REPO_ROOT =
  process.env['NOVA_REPO_ROOT'] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BUNDLE = join(REPO_ROOT, 'apps/cli/dist/nova.cjs');
export const GUEST_DIR = '/var/lib/nova-lab/guest';
export const TEST_IMAGE = 'nova-test/busybox:latest';

/** A container of the test image that sleeps, with every option at its default; `extra` overrides. */
export function containerSpec(name: string, extra: Partial<NewContainer> = {}): NewContainer {
  return {
    name,
    image: TEST_IMAGE,
    command: ['sleep', '3600'],
    env: {},
    ports: [],
    mounts: [],
    restart: { name: 'no' },
    readOnly: false,
    noNewPrivileges: false,
    gpus: false,
    ...extra,
  };
}
export const GRANTED_USER = 'nova-granted';
export const DENIED_USER = 'nova-denied';
export const NOVA_XMLNS = 'https://nova.dev/xmlns/libvirt/1';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array (never a shell) and resolves with its exit code and output. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function mustRun(
  file: string,
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

export function uniqueName(prefix: string): string {
  return `nova-test-${prefix}-${randomBytes(3).toString('hex')}`;
}

export const virsh = (...args: string[]) => mustRun('virsh', ['-c', 'qemu:///system', ...args]);

/** The lab must be up; say how to bring it up instead of failing obscurely. */
export function requireLab(): void {
  const missing = [
    ['/run/dbus/system_bus_socket', 'the system bus'],
    ['/var/run/docker.sock', 'dockerd'],
    [join(GUEST_DIR, 'vmlinuz'), 'the tiny guest kernel'],
    [CLI_BUNDLE, 'the built CLI (npm run build)'],
  ].filter(([path]) => path !== undefined && !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `the lab is not up (missing ${missing.map(([, what]) => what).join(', ')}); run: npm run build && npm run lab -- up`,
    );
  }
}

const xml = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  format: true,
  suppressEmptyNode: true,
});

/** A TCG domain that boots the lab's tiny guest (kernel + busybox initramfs) on libvirt's default network. */
export function tinyGuestXml(
  name: string,
  options: { novaOwned?: boolean; memoryMiB?: number } = {},
): string {
  return xml.build({
    domain: {
      '@type': 'qemu',
      name,
      ...(options.novaOwned === true ? { metadata: { 'nova:instance': { '@xmlns:nova': NOVA_XMLNS } } } : {}),
      memory: { '@unit': 'MiB', '#text': String(options.memoryMiB ?? 128) },
      vcpu: '1',
      os: {
        type: { '@arch': 'x86_64', '#text': 'hvm' },
        kernel: join(GUEST_DIR, 'vmlinuz'),
        initrd: join(GUEST_DIR, 'initrd.img'),
        cmdline: 'console=ttyS0',
      },
      // ACPI: the guest powers off on a shutdown request, and PCI devices can be hot-plugged.
      features: { acpi: '', apic: '' },
      devices: {
        interface: { '@type': 'network', source: { '@network': 'default' }, model: { '@type': 'virtio' } },
        serial: { '@type': 'pty' },
        console: { '@type': 'pty' },
      },
    },
  });
}

/** A domain that is only defined, never started: cheap, for scale tests. */
export function emptyDomainXml(name: string): string {
  return xml.build({
    domain: {
      '@type': 'qemu',
      name,
      memory: { '@unit': 'MiB', '#text': '32' },
      vcpu: '1',
      os: { type: { '@arch': 'x86_64', '#text': 'hvm' } },
    },
  });
}

/** Defines many inactive domains straight through libvirt-dbus (virsh would take a process each). */
export function defineEmptyDomains(caller: BoundedCaller, names: string[]): Promise<string[]> {
  return mapBounded(names, 16, async (name) => {
    const [path] = await caller.call({
      destination: LIBVIRT_BUS_NAME,
      path: LIBVIRT_QEMU_PATH,
      interface: 'org.libvirt.Connect',
      member: 'DomainDefineXML',
      signature: 's',
      body: [emptyDomainXml(name)],
    });
    if (typeof path !== 'string') throw new Error('DomainDefineXML did not return an object path');
    return path;
  });
}

export async function undefineDomains(caller: BoundedCaller, paths: string[]): Promise<void> {
  await mapBounded(paths, 16, (path) =>
    caller.call({
      destination: LIBVIRT_BUS_NAME,
      path,
      interface: 'org.libvirt.Domain',
      member: 'Undefine',
      signature: 'u',
      body: [0],
    }),
  );
}

export async function defineDomain(domainXml: string): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'nova-domain-')), 'domain.xml');
  writeFileSync(file, domainXml);
  await virsh('define', file);
}

export async function removeDomain(name: string): Promise<void> {
  await run('virsh', ['-c', 'qemu:///system', 'destroy', name]);
  await run('virsh', ['-c', 'qemu:///system', 'undefine', name]);
}

export async function domainState(name: string): Promise<string> {
  return (await virsh('domstate', name)).trim();
}

export async function startContainer(name: string, engine: 'docker' | 'podman' = 'docker'): Promise<string> {
  const id = await mustRun(engine, [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'dev.nova.test=1',
    TEST_IMAGE,
    'sleep',
    '3600',
  ]);
  return id.trim();
}

export async function removeContainer(name: string, engine: 'docker' | 'podman' = 'docker'): Promise<void> {
  await run(engine, ['rm', '-f', name]);
}

let sharedBundle: string | undefined;

/** A copy of the CLI bundle that the lab's test users can read (the checkout may sit in root's home). */
export function cliBundleForUsers(): string {
  if (sharedBundle !== undefined) return sharedBundle;
  const dir = mkdtempSync(join(tmpdir(), 'nova-cli-'));
  chmodSync(dir, 0o755);
  const bundle = join(dir, 'nova.cjs');
  copyFileSync(CLI_BUNDLE, bundle);
  chmodSync(bundle, 0o644);
  sharedBundle = bundle;
  return bundle;
}

/** A clean environment for a CLI run: nothing of root's session leaks into a test user's run. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', ...extra };
}

/** Runs `nova` as root, or as one of the lab's test users through runuser. */
export function runNova(
  args: string[],
  options: { user?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  if (options.user === undefined) {
    return run(process.execPath, [CLI_BUNDLE, ...args], { env: cleanEnv({ HOME: '/root', ...options.env }) });
  }
  return run('runuser', ['-u', options.user, '--', process.execPath, cliBundleForUsers(), ...args], {
    env: cleanEnv({ HOME: `/home/${options.user}`, USER: options.user, ...options.env }),
  });
}

const hasSystemd = existsSync('/run/systemd/system');

async function libvirtAnswers(): Promise<boolean> {
  return (await run('virsh', ['-c', 'qemu:///system', 'uri'], { timeoutMs: 10_000 })).code === 0;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function stopLibvirtd(): Promise<void> {
  if (hasSystemd) {
    await run('systemctl', [
      'stop',
      'libvirtd.service',
      'libvirtd.socket',
      'libvirtd-ro.socket',
      'libvirtd-admin.socket',
    ]);
  } else {
    await run('pkill', ['-x', 'libvirtd']);
  }
  await waitFor('libvirtd to stop', async () => (await run('pgrep', ['-x', 'libvirtd'])).code !== 0);
}

export async function startLibvirtd(): Promise<void> {
  if (await libvirtAnswers()) return;
  if (hasSystemd) await mustRun('systemctl', ['start', 'libvirtd.service']);
  else await mustRun('libvirtd', ['-d']);
  await waitFor('libvirtd to answer', libvirtAnswers);
}

/** Parses a command's JSON output and checks it against the contract's schema for it. */
export function readJson<S extends z.ZodType>(text: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 500)}`);
  }
  return schema.parse(value);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
