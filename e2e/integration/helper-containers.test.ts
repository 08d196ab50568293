// Root-owned engines through Nova's helper, as a user who may not open their sockets: the lab's
// nova-granted runs HelperEngine (a small bundled program) against the real helper, polkit, Docker and
// Podman. The helper is root there, so these tests check above all what it must not lend: other
// people's files as bind mounts, files the user cannot read, other people's containers, secrets.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import type {
  ContainerDetails,
  ContainerEvent,
  ContainerStats,
  ContainerSummary,
  EngineNetworkSummary,
  EngineVolumeSummary,
  ErrorCode,
  ExecResult,
  HelperSignalName,
  ImageProgress,
  ImageSummary,
  LogEntry,
} from '@nova/core';
import { HelperClient } from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bundleForUsers, runBundleAs, spawnBundleAs } from '../support/as-user.js';
import {
  containerSpec,
  DENIED_USER,
  GRANTED_USER,
  mustRun,
  REPO_ROOT,
  requireLab,
  run,
  startContainer,
  TEST_IMAGE,
  uniqueName,
} from '../support/lab.js';
import { startTinyRegistry } from '../support/tiny-registry.js';

type EngineCli = 'docker' | 'podman';
type Outcome<T> =
  | { ok: true; value: T; progress: ImageProgress[] }
  | { ok: false; error: { code: ErrorCode; message: string; detail?: string } };

const DRIVER = join(REPO_ROOT, 'e2e/support/helper-engine-driver.ts');
let driver = '';

/** One HelperEngine method, run as `user` (nova-granted unless said). */
async function asUser<T>(
  cli: EngineCli,
  method: string,
  args: unknown[],
  user: string = GRANTED_USER,
): Promise<Outcome<T>> {
  const result = await runBundleAs(user, driver, [cli, method, JSON.stringify(args)]);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Outcome<T>;
  } catch {
    throw new Error(`the driver said no JSON (exit ${result.code}): ${result.stdout} ${result.stderr}`);
  }
}

/** One helper method called directly (no client-side checks first), as nova-granted. */
async function callAsUser<T>(cli: EngineCli, method: string, input: object): Promise<Outcome<T>> {
  const result = await runBundleAs(GRANTED_USER, driver, [cli, 'call', method, JSON.stringify(input)]);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Outcome<T>;
}

function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

function refused(outcome: Outcome<unknown>, code: ErrorCode, message?: RegExp | string): string {
  if (outcome.ok) throw new Error(`expected ${code}, but it succeeded: ${JSON.stringify(outcome.value)}`);
  expect(outcome.error.code, outcome.error.message).toBe(code);
  if (message !== undefined) expect(outcome.error.message).toMatch(message);
  return outcome.error.message;
}

const spec = containerSpec;

/** The fields of `docker/podman container inspect` these tests read. */
interface Inspected {
  Mounts: { Source: string; Destination: string; RW: boolean }[];
  Config: { Labels: Record<string, string>; Env: string[] };
  State: { StartedAt: string };
}

async function inspectContainer(cli: EngineCli, name: string): Promise<Inspected> {
  const [first] = JSON.parse(await mustRun(cli, ['container', 'inspect', name])) as Inspected[];
  if (first === undefined) throw new Error(`${cli} container inspect ${name} said nothing`);
  return first;
}

async function engineState(cli: EngineCli, name: string): Promise<string> {
  return (await mustRun(cli, ['inspect', '--format', '{{.State.Status}}', name])).trim();
}

async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.each(['docker', 'podman'] as const)('a root-owned %s through Nova’s helper, as a user', (cli) => {
  const created = {
    containers: [] as string[],
    images: [] as string[],
    networks: [] as string[],
    volumes: [] as string[],
  };
  const scratch = mkdtempSync(join(tmpdir(), `nova-helper-${cli}-`));
  const userDir = join(scratch, 'user');
  const rootDir = join(scratch, 'root');
  const privateDir = join(scratch, 'private');
  const container = uniqueName(`${cli}-hc`);
  const foreign = uniqueName(`${cli}-hc-foreign`);
  created.containers.push(container, foreign, `${container}-denied`);
  let uid = 0;

  beforeAll(async () => {
    requireLab();
    driver = await bundleForUsers(DRIVER);
    uid = Number((await mustRun('id', ['-u', GRANTED_USER])).trim());
    const gid = Number((await mustRun('id', ['-g', GRANTED_USER])).trim());
    chmodSync(scratch, 0o755);
    for (const dir of [userDir, join(userDir, 'data'), rootDir]) mkdirSync(dir, { mode: 0o755 });
    mkdirSync(join(privateDir, 'inside'), { recursive: true, mode: 0o700 });
    chmodSync(privateDir, 0o700);
    symlinkSync(join(userDir, 'data'), join(userDir, 'link-to-data'));
    symlinkSync('/etc', join(userDir, 'link-to-etc'));
    // (chown follows links: the links stay root's, which changes nothing, since only their targets count.)
    for (const path of [userDir, join(userDir, 'data')]) chownSync(path, uid, gid);
    // The user's image archive and root file system, readable only by the user; a copy only root may read.
    await mustRun(cli, ['save', '-o', join(userDir, 'image.tar'), TEST_IMAGE]);
    const source = uniqueName(`${cli}-hc-rootfs`);
    created.containers.push(source);
    await mustRun(cli, ['create', '--name', source, TEST_IMAGE, 'true']);
    await mustRun(cli, ['export', '-o', join(userDir, 'rootfs.tar'), source]);
    await mustRun('cp', [join(userDir, 'image.tar'), join(rootDir, 'secret.tar')]);
    for (const file of ['image.tar', 'rootfs.tar']) {
      chownSync(join(userDir, file), uid, gid);
      chmodSync(join(userDir, file), 0o600);
    }
    chmodSync(join(rootDir, 'secret.tar'), 0o600);
  });

  afterAll(async () => {
    for (const name of created.containers) await run(cli, ['rm', '-f', name]);
    for (const image of created.images) await run(cli, ['rmi', '-f', image]);
    for (const network of created.networks) await run(cli, ['network', 'rm', network]);
    for (const volume of created.volumes) await run(cli, ['volume', 'rm', '-f', volume]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('cannot open the engine’s socket itself: everything below goes through the helper', async () => {
    const socket = cli === 'docker' ? '/var/run/docker.sock' : '/run/podman/podman.sock';
    const direct = await run('runuser', ['-u', GRANTED_USER, '--', 'test', '-w', socket]);
    expect(direct.code).not.toBe(0);
  });

  it('creates a container with a bind mount of the user’s own folder, also through the user’s link', async () => {
    const id = ok(
      await asUser<string>(cli, 'createContainer', [
        spec(container, {
          env: { SECRET: 'hunter2', PLAIN: 'visible-to-root-only' },
          mounts: [{ type: 'bind', source: join(userDir, 'link-to-data'), target: '/data', readOnly: true }],
          labels: { 'org.example.team': 'lab' },
        }),
      ]),
    );
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const seen = await inspectContainer(cli, container);
    // The engine mounts the real path the helper checked, not the link.
    expect(seen.Mounts).toEqual([
      expect.objectContaining({ Source: join(userDir, 'data'), Destination: '/data', RW: false }),
    ]);
    expect(seen.Config.Labels).toMatchObject({ 'dev.nova.managed': 'true', 'org.example.team': 'lab' });
  });

  it('refuses bind mounts of what the user does not own or cannot reach, naming the path', async () => {
    const attempt = (source: string, type: 'bind' | 'volume' = 'bind') => {
      const name = uniqueName(`${cli}-hc-refused`);
      created.containers.push(name);
      return asUser<string>(cli, 'createContainer', [
        spec(name, { mounts: [{ type, source, target: '/mnt', readOnly: false }] }),
      ]);
    };
    refused(await attempt(rootDir), 'not-authorized', `${rootDir} belongs to uid 0, not to you (uid ${uid})`);
    refused(
      await attempt(join(userDir, 'link-to-etc')),
      'not-authorized',
      `${join(userDir, 'link-to-etc')} leads to /etc`,
    );
    refused(await attempt('/'), 'not-authorized', /root folder/);
    refused(await attempt(join(privateDir, 'inside')), 'not-authorized', /permission denied/);
    refused(await attempt(join(userDir, 'missing')), 'not-found', /does not exist/);
    // A "volume" whose name is a path would be a bind mount of that path.
    refused(await attempt('/etc', 'volume'), 'invalid-input', /not a volume name/);
    refused(await attempt(`${join(userDir, 'data')}:/etc`), 'invalid-input');
    // Nothing was created by any of them.
    const names = ok(await asUser<ContainerSummary[]>(cli, 'listContainers', [])).map((c) => c.name);
    expect(names.filter((name) => name.includes('-hc-refused'))).toEqual([]);
    // And a user without the grant gets nowhere.
    refused(
      await asUser(cli, 'createContainer', [spec(`${container}-denied`)], DENIED_USER),
      'not-authorized',
      /dev\.nova\.container\.create/,
    );
  });

  it('lists Nova’s containers and others’', async () => {
    await startContainer(foreign, cli);
    const listed = ok(await asUser<ContainerSummary[]>(cli, 'listContainers', []));
    expect(listed.find((c) => c.name === container)).toMatchObject({ origin: 'nova', state: 'stopped' });
    expect(listed.find((c) => c.name === foreign)).toMatchObject({ origin: 'external', state: 'running' });
  });

  it('starts, pauses, resumes, restarts and stops the container', async () => {
    ok(await asUser(cli, 'startContainer', [{ container }]));
    expect(await engineState(cli, container)).toBe('running');
    ok(await asUser(cli, 'pauseContainer', [{ container }]));
    expect(await engineState(cli, container)).toBe('paused');
    ok(await asUser(cli, 'resumeContainer', [{ container }]));
    expect(await engineState(cli, container)).toBe('running');
    const before = (await inspectContainer(cli, container)).State.StartedAt;
    ok(await asUser(cli, 'restartContainer', [{ container }, { timeoutSeconds: 0 }]));
    expect(await engineState(cli, container)).toBe('running');
    expect((await inspectContainer(cli, container)).State.StartedAt).not.toBe(before);
    ok(await asUser(cli, 'stopContainer', [{ container }, { timeoutSeconds: 0 }]));
    expect(['exited', 'stopped']).toContain(await engineState(cli, container));
    ok(await asUser(cli, 'startContainer', [{ container }]));
    expect(await engineState(cli, container)).toBe('running');
    refused(await asUser(cli, 'stopContainer', [{ container, project: 'other' }]), 'conflict', /project/);
  });

  it('refuses to change a container Nova did not create, unless the user says foreign', async () => {
    refused(await asUser(cli, 'stopContainer', [{ container: foreign }]), 'conflict', /not created by Nova/);
    refused(await asUser(cli, 'exec', [{ container: foreign }, { argv: ['true'] }]), 'conflict');
    refused(await asUser(cli, 'removeContainer', [{ container: foreign }, { force: true }]), 'conflict');
    expect(await engineState(cli, foreign)).toBe('running');
    ok(await asUser(cli, 'stopContainer', [{ container: foreign, foreign: true }, { timeoutSeconds: 0 }]));
    expect(['exited', 'stopped']).toContain(await engineState(cli, foreign));
  });

  it('shows details with the environment’s values left out', async () => {
    const details = ok(await asUser<ContainerDetails>(cli, 'inspectContainer', [container]));
    expect(details).toMatchObject({ engine: cli, name: container, state: 'running', origin: 'nova' });
    expect(details.env).toEqual(expect.arrayContaining(['SECRET=…', 'PLAIN=…']));
    expect(JSON.stringify(details)).not.toContain('hunter2');
    expect(JSON.stringify(details)).not.toContain('visible-to-root-only');
    // The engine has them: the helper left them out.
    const raw = await inspectContainer(cli, container);
    expect(raw.Config.Env).toContain('SECRET=hunter2');
  });

  it('reads at most the newest 10000 log lines, and says when it left some out', async () => {
    const talker = `${container}-logs`;
    created.containers.push(talker);
    ok(
      await asUser(cli, 'createContainer', [
        // One write per line: Podman 4.3 joins lines split across its log reads wrongly when asked for a tail.
        spec(talker, {
          command: [
            'sh',
            '-c',
            // The last line goes to stdout too: under load, Docker 20.10's `tail` can leave out a stderr
            // line written just before the end (the line is in its log file; a read without tail has it).
            // Stderr's own stream is checked by the exec test below and in container-engines.test.ts.
            'echo hello; i=1; while [ $i -le 10050 ]; do echo $i; i=$((i+1)); done; echo done; sleep 3600',
          ],
        }),
      ]),
    );
    ok(await asUser(cli, 'startContainer', [{ container: talker }]));
    const all = await eventually(
      async () => {
        const outcome = await asUser<LogEntry[]>(cli, 'containerLogs', [talker, {}]);
        const entries = ok(outcome);
        return entries.at(-1)?.text === 'done' ? entries : undefined;
      },
      30_000,
      'the container’s output',
    );
    expect(all).toHaveLength(10_000);
    expect(all.at(-1)).toEqual({ stream: 'stdout', text: 'done' });
    expect(all.at(-2)).toEqual({ stream: 'stdout', text: '10050' });
    expect(all.some((entry) => entry.text === 'hello')).toBe(false);
    const truncated = ok(
      await callAsUser<{ entries: LogEntry[]; truncated: boolean }>(cli, 'ContainerLogs', {
        engine: cli,
        container: talker,
        options: { tail: 100_000 },
      }),
    );
    expect(truncated.entries).toHaveLength(10_000);
    expect(truncated.truncated).toBe(true);
    const tail = ok(
      await callAsUser<{ entries: LogEntry[]; truncated: boolean }>(cli, 'ContainerLogs', {
        engine: cli,
        container: talker,
        options: { tail: 2, timestamps: true },
      }),
    );
    expect(tail.truncated).toBe(false);
    expect(tail.entries.map((entry) => entry.text)).toEqual(['10050', 'done']);
    expect(tail.entries[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('reads a load sample', async () => {
    const [sample, ...more] = ok(await asUser<ContainerStats[]>(cli, 'containerStats', [[container]]));
    expect(more).toEqual([]);
    expect(sample).toMatchObject({ engine: cli, name: container });
    expect(sample?.memoryBytes).toBeGreaterThan(0);
    expect(sample?.pids).toBeGreaterThanOrEqual(1);
  });

  it('runs a command in the container and returns its exit code and output', async () => {
    const result = ok(
      await asUser<ExecResult>(cli, 'exec', [
        { container },
        { argv: ['sh', '-c', 'echo "$GREETING"; ls /data; echo oops >&2; exit 3'], env: ['GREETING=hi'] },
      ]),
    );
    expect(result).toEqual({ exitCode: 3, stdout: 'hi\n', stderr: 'oops\n', truncated: false });
  });

  it('signals the user when the container is stopped and started behind Nova’s back', async () => {
    const watcher = spawnBundleAs(GRANTED_USER, driver, [cli, 'watch']);
    const lines: { event?: ContainerEvent; status?: { status: string } }[] = [];
    createInterface({ input: watcher.stdout }).on('line', (line) => {
      lines.push(JSON.parse(line) as (typeof lines)[number]);
    });
    try {
      await eventually(
        () => Promise.resolve(lines.some((line) => line.status?.status === 'available') ? true : undefined),
        20_000,
        'the subscription',
      );
      await mustRun(cli, ['stop', '-t', '0', container]);
      const stopped = await eventually(
        () =>
          Promise.resolve(
            lines.find((line) => line.event?.name === container && line.event.state === 'stopped')?.event,
          ),
        20_000,
        `a ContainerChanged for ${container} stopping`,
      );
      expect(stopped).toMatchObject({ engine: cli, name: container });
      await mustRun(cli, ['start', container]);
      const started = await eventually(
        () =>
          Promise.resolve(
            lines.find((line) => line.event?.name === container && line.event.action === 'start')?.event,
          ),
        20_000,
        `a ContainerChanged for ${container} starting`,
      );
      expect(started).toMatchObject({ engine: cli, state: 'running' });
    } finally {
      watcher.stdin.end();
      watcher.kill();
    }
  });

  it('imports an image archive and a root file system the user can read, lists and removes them', async () => {
    const archiveRef = `nova-test/hc-archive-${container.slice(-6)}:1`;
    const rootfsRef = `nova-test/hc-rootfs-${container.slice(-6)}:1`;
    created.images.push(archiveRef, rootfsRef);
    const names = ok(
      await asUser<string[]>(cli, 'importImage', [join(userDir, 'image.tar'), { reference: archiveRef }]),
    );
    expect(names[0]).toBe(archiveRef);
    expect(
      ok(await asUser<string[]>(cli, 'importImage', [join(userDir, 'rootfs.tar'), { reference: rootfsRef }])),
    ).toEqual([rootfsRef]);
    await mustRun(cli, ['image', 'inspect', archiveRef]);
    await mustRun(cli, ['image', 'inspect', rootfsRef]);

    const images = ok(await asUser<ImageSummary[]>(cli, 'listImages', []));
    const has = (ref: string) => images.some((image) => image.tags.some((tag) => tag.endsWith(ref)));
    expect(has(archiveRef)).toBe(true);
    expect(has(rootfsRef)).toBe(true);
    expect(has(TEST_IMAGE)).toBe(true);

    ok(await asUser(cli, 'removeImage', [archiveRef]));
    ok(await asUser(cli, 'removeImage', [rootfsRef]));
    expect((await run(cli, ['image', 'inspect', archiveRef])).code).not.toBe(0);
    expect((await run(cli, ['image', 'inspect', rootfsRef])).code).not.toBe(0);
    refused(await asUser(cli, 'removeImage', [archiveRef]), 'not-found');
  });

  it('refuses to import a file only root may read: the helper reads it with the user’s rights', async () => {
    const reference = `nova-test/hc-secret-${container.slice(-6)}:1`;
    created.images.push(reference);
    const secret = join(rootDir, 'secret.tar');
    // Straight to the helper, past the client's own look at the file.
    refused(
      await callAsUser(cli, 'ImportImage', { engine: cli, path: secret, kind: 'archive', reference }),
      'not-authorized',
      `cannot read ${secret}: permission denied`,
    );
    refused(
      await callAsUser(cli, 'ImportImage', {
        engine: cli,
        path: join(privateDir, 'x.tar'),
        kind: 'archive',
        reference,
      }),
      'not-authorized',
      /permission denied/,
    );
    refused(
      await callAsUser(cli, 'ImportImage', { engine: cli, path: userDir, kind: 'archive', reference }),
      'invalid-input',
      /is a directory, not a file/,
    );
    refused(
      await callAsUser(cli, 'ImportImage', {
        engine: cli,
        path: join(userDir, 'missing.tar'),
        kind: 'archive',
        reference,
      }),
      'not-found',
    );
    // Through HelperEngine, the user's own look at the file fails first.
    refused(await asUser(cli, 'importImage', [secret, { reference }]), 'invalid-input', /cannot read/);
    expect((await run(cli, ['image', 'inspect', reference])).code).not.toBe(0);
  });

  it('creates, lists and removes an engine network and volume, and leaves others’ alone', async () => {
    const network = uniqueName(`${cli}-hc-net`);
    const foreignNetwork = uniqueName(`${cli}-hc-fnet`);
    created.networks.push(network, foreignNetwork);
    const subnet = cli === 'docker' ? '10.216.1.0/24' : '10.216.2.0/24';
    ok(await asUser(cli, 'createNetwork', [{ name: network, internal: false, subnet }]));
    const networks = ok(await asUser<EngineNetworkSummary[]>(cli, 'listNetworks', []));
    expect(networks.find((n) => n.name === network)).toMatchObject({
      origin: 'nova',
      subnets: [expect.objectContaining({ subnet })],
    });
    await mustRun(cli, ['network', 'create', foreignNetwork]);
    refused(
      await asUser(cli, 'removeNetwork', [{ name: foreignNetwork }]),
      'conflict',
      /not created by Nova/,
    );
    const own = cli === 'docker' ? 'bridge' : 'podman';
    refused(await asUser(cli, 'removeNetwork', [{ name: own, foreign: true }]), 'conflict');
    ok(await asUser(cli, 'removeNetwork', [{ name: network }]));
    expect((await run(cli, ['network', 'inspect', network])).code).not.toBe(0);
    expect((await run(cli, ['network', 'inspect', foreignNetwork])).code).toBe(0);

    const volume = uniqueName(`${cli}-hc-vol`);
    const foreignVolume = uniqueName(`${cli}-hc-fvol`);
    created.volumes.push(volume, foreignVolume);
    ok(await asUser(cli, 'createVolume', [{ name: volume }]));
    expect(
      ok(await asUser<EngineVolumeSummary[]>(cli, 'listVolumes', [])).find((v) => v.name === volume),
    ).toMatchObject({ origin: 'nova', engine: cli });
    await mustRun(cli, ['volume', 'create', foreignVolume]);
    refused(await asUser(cli, 'removeVolume', [{ name: foreignVolume }]), 'conflict', /not created by Nova/);
    ok(await asUser(cli, 'removeVolume', [{ name: volume }]));
    expect((await run(cli, ['volume', 'inspect', volume])).code).not.toBe(0);
    expect((await run(cli, ['volume', 'inspect', foreignVolume])).code).toBe(0);
  });

  it('removes the container', async () => {
    refused(await asUser(cli, 'removeContainer', [{ container }]), 'conflict', /running/);
    ok(await asUser(cli, 'removeContainer', [{ container }, { force: true }]));
    expect((await run(cli, ['inspect', container])).code).not.toBe(0);
    refused(await asUser(cli, 'startContainer', [{ container }]), 'not-found');
  });
});

describe('pulling an image through the helper', () => {
  it('sends the pull’s progress to the user who pulls, and to nobody else', async () => {
    requireLab();
    driver = await bundleForUsers(DRIVER);
    const repository = `nova-test/hc-pulled-${uniqueName('p').slice(-6)}`;
    // Random bytes: the layer stays a few megabytes after gzip, so there is progress to report.
    const registry = await startTinyRegistry(repository, 'v1', {
      'hello.txt': Buffer.from('hello\n'),
      'noise.bin': randomBytes(4 * 1024 * 1024),
    });
    const reference = `${registry.host}/${repository}:v1`;
    const observer = await HelperClient.connect();
    const seen: HelperSignalName[] = [];
    const unsubscribe = await observer.subscribe((signal) => {
      seen.push(signal);
    });
    try {
      const outcome = await asUser<null>('docker', 'pullImage', [reference]);
      ok(outcome);
      const progress = outcome.ok ? outcome.progress : [];
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.map((step) => step.status)).toContain('Pull complete');
      await mustRun('docker', ['image', 'inspect', reference]);
      // Another client of the helper, subscribed to its signals, got none of that progress.
      expect(seen.filter((signal) => signal === 'ImageProgress')).toEqual([]);
    } finally {
      await unsubscribe();
      observer.close();
      await run('docker', ['rmi', '-f', reference]);
      await registry.close();
    }
  });

  it.each(['docker', 'podman'] as const)('says clearly when %s cannot reach the registry', async (cli) => {
    refused(
      await asUser(cli, 'pullImage', ['127.0.0.1:9/nova-test/none:1']),
      'backend-unavailable',
      /registry cannot be reached/,
    );
  });
});
