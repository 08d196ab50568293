// `nova container`, `nova image` and the original Nova's `run/stop/status container`, run as the built
// command against the lab's real Docker and Podman: what the CLI asks for is checked with the engines'
// own `inspect`, and what the engines did behind Nova's back shows in Nova's output.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  ContainerDetails,
  ContainerStats,
  EngineNetworkSummary,
  EngineVolumeSummary,
  ImageSummary,
} from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  CLI_BUNDLE,
  mustRun,
  readJson,
  requireLab,
  run,
  runNova,
  type RunResult,
  TEST_IMAGE,
  uniqueName,
} from '../support/lab.js';

type EngineCli = 'docker' | 'podman';

const Ok = z.looseObject({ ok: z.literal(true) });
const Listed = z.looseObject({
  containers: z.array(
    z.looseObject({ name: z.string(), engine: z.string(), state: z.string(), origin: z.string() }),
  ),
});

/** `nova ARGS` as root, expected to succeed; its stdout. */
async function nova(...args: string[]): Promise<string> {
  const result = await runNova(args);
  expect(result.code, `nova ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** `nova ARGS`, expected to fail with this exit code; its stderr. */
async function novaFails(code: number, ...args: string[]): Promise<string> {
  const result = await runNova(args);
  expect(result.code, `nova ${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(code);
  return result.stderr;
}

/** The fields of the engines' own `inspect` output these tests read. */
interface EngineInspect {
  Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string> };
  HostConfig: {
    RestartPolicy: { Name: string; MaximumRetryCount: number };
    NanoCpus: number;
    Memory: number;
    ReadonlyRootfs: boolean;
    SecurityOpt: string[] | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
  };
  NetworkSettings: { Networks: Record<string, unknown> };
  State: { Status: string; StartedAt: string };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  /** Networks: Docker says Internal and Labels, Podman internal and labels. */
  Internal?: boolean;
  internal?: boolean;
  Labels?: Record<string, string>;
  labels?: Record<string, string>;
}

async function inspectJson(
  cli: EngineCli,
  kind: 'container' | 'network' | 'volume' | 'image',
  name: string,
): Promise<EngineInspect> {
  const first = (JSON.parse(await mustRun(cli, [kind, 'inspect', name])) as EngineInspect[])[0];
  if (first === undefined) throw new Error(`${cli} ${kind} inspect ${name} returned nothing`);
  return first;
}

async function engineState(cli: EngineCli, name: string): Promise<string> {
  return (await mustRun(cli, ['inspect', '--format', '{{.State.Status}}', name])).trim();
}

async function exists(cli: EngineCli, kind: 'container' | 'network' | 'volume' | 'image', name: string) {
  return (await run(cli, [kind, 'inspect', name])).code === 0;
}

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `nova ARGS` left running: what it has printed so far, and its end. */
function spawnNova(args: string[]): {
  stdout: () => string;
  exited: () => boolean;
  done: Promise<RunResult>;
} {
  const child = spawn(process.execPath, [CLI_BUNDLE, ...args], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', HOME: '/root' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code) => {
      exited = true;
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
  return { stdout: () => stdout, exited: () => exited, done };
}

describe.each(['docker', 'podman'] as const)('nova container and nova image on %s', (cli) => {
  const created = {
    containers: [] as string[],
    images: [] as string[],
    networks: [] as string[],
    volumes: [] as string[],
  };
  const scratch = mkdtempSync(join(tmpdir(), `nova-cli-container-${cli}-`));
  const track = (kind: keyof typeof created, name: string): string => {
    created[kind].push(name);
    return name;
  };
  const containerName = (what: string) => track('containers', uniqueName(`${cli}-${what}`));
  /** A Nova container of the test image running `sleep 3600`. */
  const sleeper = async (what: string, ...extra: string[]) => {
    const name = containerName(what);
    await nova(
      'container',
      'create',
      TEST_IMAGE,
      '--engine',
      cli,
      '--name',
      name,
      ...extra,
      '--',
      'sleep',
      '3600',
    );
    return name;
  };

  beforeAll(() => {
    requireLab();
  });

  afterAll(async () => {
    for (const name of created.containers) await run(cli, ['rm', '-f', name]);
    for (const name of created.images) await run(cli, ['rmi', '-f', name]);
    for (const name of created.networks) await run(cli, ['network', 'rm', name]);
    for (const name of created.volumes) await run(cli, ['volume', 'rm', '-f', name]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a container with env, ports, mounts, network, restart policy, limits, labels and hardening', async () => {
    const network = track('networks', uniqueName(`${cli}-net`));
    await nova(
      'container',
      'network',
      'create',
      network,
      '--engine',
      cli,
      '--subnet',
      `10.214.${cli === 'docker' ? 7 : 8}.0/24`,
    );
    const volume = track('volumes', uniqueName(`${cli}-vol`));
    await nova('container', 'volume', 'create', volume, '--engine', cli);
    const name = containerName('full');
    const hostPort = cli === 'docker' ? '18290' : '18291';
    const result = readJson(
      await nova(
        'container',
        'create',
        TEST_IMAGE,
        '--engine',
        cli,
        '--name',
        name,
        '-e',
        'GREETING=hello world',
        '--env',
        'EMPTY=',
        '--publish',
        `127.0.0.1:${hostPort}:80`,
        '-v',
        `${scratch}:/data:ro`,
        '--volume',
        `${volume}:/cache`,
        '--network',
        network,
        '--restart',
        'on-failure:3',
        '--cpus',
        '0.5',
        '--memory',
        '64Mi',
        '--label',
        'org.example.team=lab',
        '--read-only',
        '--no-new-privileges',
        '--start',
        '--json',
        '--',
        'sh',
        '-c',
        'sleep 3600',
      ),
      Ok.extend({
        engine: z.literal(cli),
        container: z.literal(name),
        id: z.string(),
        state: z.literal('running'),
      }),
    );
    expect(result.id).toMatch(/^[0-9a-f]{64}$/);

    const seen = await inspectJson(cli, 'container', name);
    expect(seen.Config.Cmd).toEqual(['sh', '-c', 'sleep 3600']);
    expect(seen.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello world', 'EMPTY=']));
    expect(seen.Config.Labels).toMatchObject({ 'dev.nova.managed': 'true', 'org.example.team': 'lab' });
    expect(seen.HostConfig.RestartPolicy).toMatchObject({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(seen.HostConfig.NanoCpus).toBe(500_000_000);
    expect(seen.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(seen.HostConfig.ReadonlyRootfs).toBe(true);
    expect(seen.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(seen.HostConfig.PortBindings['80/tcp']).toEqual([
      expect.objectContaining({ HostIp: '127.0.0.1', HostPort: hostPort }),
    ]);
    expect(Object.keys(seen.NetworkSettings.Networks)).toEqual([network]);
    expect(seen.Mounts.find((m) => m.Destination === '/data')).toMatchObject({ Source: scratch, RW: false });
    expect(seen.Mounts.find((m) => m.Destination === '/cache')).toMatchObject({ Type: 'volume', RW: true });
    expect(seen.State.Status).toBe('running');

    // Nova reads back what it made.
    const details = readJson(await nova('container', 'inspect', name, '--json'), ContainerDetails);
    expect(details).toMatchObject({
      engine: cli,
      name,
      state: 'running',
      origin: 'nova',
      restartPolicy: { name: 'on-failure', maxRetries: 3 },
      nanoCpus: 500_000_000,
      memoryBytes: 64 * 1024 * 1024,
    });
    expect(details.env).toContain('GREETING=hello world');
    expect(details.ports).toContainEqual(
      expect.objectContaining({ containerPort: 80, protocol: 'tcp', hostPort: Number(hostPort) }),
    );
    const readable = await nova('container', 'inspect', name);
    expect(readable).toMatch(new RegExp(`^Engine +${cli}$`, 'm'));
    expect(readable).toMatch(new RegExp(`^Ports +127\\.0\\.0\\.1:${hostPort} -> 80/tcp$`, 'm'));
    expect(readable).toMatch(/^Owner +Nova$/m);

    const networks = readJson(
      await nova('container', 'network', 'list', '--engine', cli, '--json'),
      z.object({ networks: z.array(EngineNetworkSummary) }),
    ).networks;
    expect(networks.find((n) => n.name === network)).toMatchObject({ origin: 'nova', containers: [name] });
    const volumes = readJson(
      await nova('container', 'volume', 'list', '--engine', cli, '--json'),
      z.object({ volumes: z.array(EngineVolumeSummary) }),
    ).volumes;
    expect(volumes.find((v) => v.name === volume)).toMatchObject({ origin: 'nova', engine: cli });

    await nova('container', 'rm', name, '--force', '--engine', cli);
    expect(await exists(cli, 'container', name)).toBe(false);
  });

  it('takes a container through start, pause, resume, restart, stop and rm, and lists it as it goes', async () => {
    const name = await sleeper('life');
    expect(await engineState(cli, name)).toBe('created');
    const listed = async (...args: string[]) =>
      readJson(await nova('container', 'list', '--json', ...args), Listed).containers.filter(
        (c) => c.name === name,
      );
    // Like docker ps: a container that does not run is listed only with --all.
    expect(await listed()).toEqual([]);
    expect(await listed('--all')).toEqual([
      expect.objectContaining({ engine: cli, state: 'stopped', origin: 'nova' }),
    ]);

    expect(await nova('container', 'start', name)).toBe(`Container "${name}" on ${cli} is running.\n`);
    expect(await engineState(cli, name)).toBe('running');
    const table = await nova('container', 'list');
    expect(table).toMatch(new RegExp(`^${name} +${cli} +running +\\S+ +nova +[0-9a-f]{12}$`, 'm'));

    expect(await nova('container', 'pause', name)).toBe(`Container "${name}" on ${cli} is paused.\n`);
    expect(await engineState(cli, name)).toBe('paused');
    await nova('container', 'resume', name);
    expect(await engineState(cli, name)).toBe('running');
    const before = (await inspectJson(cli, 'container', name)).State.StartedAt;
    await nova('container', 'restart', name, '--time', '0');
    expect(await engineState(cli, name)).toBe('running');
    expect((await inspectJson(cli, 'container', name)).State.StartedAt).not.toBe(before);

    // A running container is removed only with --force.
    expect(await novaFails(1, 'container', 'rm', name)).toContain('--force');
    const stopped = readJson(
      await nova('container', 'stop', name, '-t', '0', '--json'),
      Ok.extend({ engine: z.string(), state: z.literal('stopped') }),
    );
    expect(stopped.engine).toBe(cli);
    expect(['exited', 'stopped']).toContain(await engineState(cli, name));
    expect(await nova('container', 'rm', name)).toBe(`Removed container "${name}" from ${cli}.\n`);
    expect(await exists(cli, 'container', name)).toBe(false);
    expect(await novaFails(1, 'container', 'start', name)).toContain(`no container "${name}"`);
  });

  it('prints logs, stdout on stdout and stderr on stderr, and follows them until the container stops', async () => {
    const name = containerName('logs');
    await nova(
      'container',
      'create',
      TEST_IMAGE,
      '--engine',
      cli,
      '--name',
      name,
      '--start',
      '--',
      'sh',
      '-c',
      'echo out1; echo err1 >&2; sleep 2; i=0; while [ $i -lt 4 ]; do echo tick$i; i=$((i+1)); sleep 1; done',
    );
    const following = spawnNova(['container', 'logs', '-f', name]);
    await until('a line while the container runs', () => following.stdout().includes('tick1'));
    expect(following.exited()).toBe(false);
    const followed = await following.done;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe('out1\ntick0\ntick1\ntick2\ntick3\n');
    expect(followed.stderr).toBe('err1\n');
    expect(['exited', 'stopped']).toContain(await engineState(cli, name));

    const all = await runNova(['container', 'logs', name]);
    expect(all).toMatchObject({ code: 0, stdout: 'out1\ntick0\ntick1\ntick2\ntick3\n', stderr: 'err1\n' });
    const tail = await nova('container', 'logs', name, '--tail', '1', '--timestamps');
    expect(tail).toMatch(/^\d{4}-\d\d-\d\dT\S+ tick3\n$/);
    const json = readJson(
      await nova('container', 'logs', name, '--json'),
      z.object({
        engine: z.literal(cli),
        entries: z.array(z.object({ stream: z.string(), text: z.string() })),
      }),
    );
    expect(json.entries.filter((e) => e.stream === 'stderr').map((e) => e.text)).toEqual(['err1']);
  });

  it('shows a load sample (stats --no-stream --json) and runs commands (exec) with their exit code', async () => {
    const name = await sleeper('exec', '--start');
    const { stats } = readJson(
      await nova('container', 'stats', name, '--no-stream', '--json'),
      z.object({ stats: z.array(ContainerStats) }),
    );
    expect(stats).toHaveLength(1);
    expect(stats[0]).toMatchObject({ engine: cli, name });
    expect(stats[0]?.memoryBytes).toBeGreaterThan(0);
    expect(stats[0]?.pids).toBeGreaterThanOrEqual(1);
    const table = await nova('container', 'stats', '--no-stream', '--engine', cli);
    expect(table).toMatch(/^NAME +ENGINE +CPU % +MEM USAGE \/ LIMIT/);
    expect(table).toMatch(new RegExp(`^${name} +${cli} +\\d+\\.\\d\\d%`, 'm'));

    const ran = await runNova([
      'container',
      'exec',
      name,
      '-e',
      'GREETING=hi there',
      '-w',
      '/tmp',
      '--',
      'sh',
      '-c',
      'echo "$GREETING"; pwd; echo oops >&2; exit 7',
    ]);
    expect(ran).toEqual({ code: 7, stdout: 'hi there\n/tmp\n', stderr: 'oops\n' });
    expect((await runNova(['container', 'exec', name, '--', 'true'])).code).toBe(0);
    const json = await runNova(['container', 'exec', name, '--json', '--', 'sh', '-c', 'echo out; exit 3']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, engine: cli, exitCode: 3, stdout: 'out\n' });

    await nova('container', 'stop', name, '-t', '0');
    expect(await novaFails(1, 'container', 'exec', name, '--', 'true')).toContain('is not running');
    expect(await novaFails(1, 'container', 'stats', name, '--no-stream')).toContain('not running');
  });

  it('refuses to change a container Nova did not create unless --foreign is given', async () => {
    const name = containerName('foreign');
    await mustRun(cli, ['create', '--name', name, TEST_IMAGE, 'sleep', '3600']);
    const refused = await novaFails(1, 'container', 'start', name);
    expect(refused).toContain(`container "${name}" was not created by Nova`);
    expect(refused).toContain('--foreign');
    expect(await engineState(cli, name)).toBe('created');
    // Reading is not changing.
    expect(readJson(await nova('container', 'inspect', name, '--json'), ContainerDetails).origin).toBe(
      'external',
    );

    await nova('container', 'start', name, '--foreign');
    expect(await engineState(cli, name)).toBe('running');
    expect(await novaFails(1, 'container', 'exec', name, '--', 'true')).toContain('--foreign');
    expect((await runNova(['container', 'exec', name, '--foreign', '--', 'true'])).code).toBe(0);
    const json = await runNova(['container', 'rm', name, '--force', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await novaFails(2, 'container', 'rm', name, '--foreign', '--project', 'demo')).toContain(
      'exclude each other',
    );
    await nova('container', 'rm', name, '--force', '--foreign');
    expect(await exists(cli, 'container', name)).toBe(false);
  });

  it('keeps the original Nova’s run, stop and status container', async () => {
    const name = await sleeper('alias');
    expect(await nova('run', 'container', name)).toBe(`Container "${name}" on ${cli} is running.\n`);
    expect(await engineState(cli, name)).toBe('running');
    expect(readJson(await nova('status', 'container', name, '--json'), ContainerDetails)).toMatchObject({
      name,
      engine: cli,
      state: 'running',
    });
    expect(await nova('status', 'container', name)).toMatch(/^State +running$/m);
    await nova('stop', 'container', name, '--time', '0');
    expect(['exited', 'stopped']).toContain(await engineState(cli, name));
  });

  it('imports an image archive, lists it and removes it', async () => {
    const archive = join(scratch, 'busybox.tar');
    await mustRun(cli, ['save', '-o', archive, TEST_IMAGE]);
    const reference = track('images', `nova-test/${uniqueName(`${cli}-imported`)}:1`);
    const imported = await runNova(['image', 'import', archive, '--name', reference, '--engine', cli]);
    expect(imported.code, imported.stderr).toBe(0);
    // Without a terminal: no progress, one final line.
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toMatch(new RegExp(`^Imported ${reference}(, \\S+)* into ${cli}\\.\\n$`));
    expect(await exists(cli, 'image', reference)).toBe(true);

    const { images } = readJson(
      await nova('image', 'list', '--engine', cli, '--json'),
      z.object({ images: z.array(ImageSummary) }),
    );
    expect(images.some((image) => image.tags.some((tag) => tag.endsWith(reference)))).toBe(true);
    expect(await nova('image', 'list')).toMatch(new RegExp(`${reference.replace(/[.]/g, '\\.')} +${cli} `));

    // Only this engine has that name: rm finds it without --engine.
    expect(await nova('image', 'rm', reference)).toBe(`Removed image ${reference} from ${cli}.\n`);
    expect(await exists(cli, 'image', reference)).toBe(false);
    expect(await novaFails(1, 'image', 'rm', reference)).toContain(`no image "${reference}"`);
  });

  it('says that a registry cannot be reached (exit 4)', async () => {
    const stderr = await novaFails(
      4,
      'image',
      'pull',
      'registry.invalid.example/nova/none:1',
      '--engine',
      cli,
    );
    expect(stderr).toContain('registry cannot be reached');
    expect(stderr).toContain('nova image import');
  });

  it('creates, lists and removes engine networks and volumes, and keeps what is not Nova’s', async () => {
    const network = track('networks', uniqueName(`${cli}-n2`));
    expect(await nova('container', 'network', 'create', network, '--engine', cli, '--internal')).toBe(
      `Created network "${network}" on ${cli}.\n`,
    );
    const inspected = await inspectJson(cli, 'network', network);
    expect(inspected.Internal ?? inspected.internal).toBe(true);
    expect(inspected.Labels ?? inspected.labels).toMatchObject({ 'dev.nova.managed': 'true' });
    expect(await nova('container', 'network', 'list')).toMatch(
      new RegExp(`^${network} +${cli} +bridge +\\S+ +yes +nova +0$`, 'm'),
    );
    expect(await novaFails(1, 'container', 'network', 'create', network, '--engine', cli)).toContain(
      'already',
    );
    await nova('container', 'network', 'rm', network);
    expect(await exists(cli, 'network', network)).toBe(false);
    expect(
      await novaFails(1, 'container', 'network', 'rm', 'bridge', '--engine', cli, '--foreign'),
    ).toContain('does not remove it');

    const volume = track('volumes', uniqueName(`${cli}-v2`));
    await nova('container', 'volume', 'create', volume, '--engine', cli, '--label', 'org.example.keep=no');
    expect((await inspectJson(cli, 'volume', volume)).Labels).toMatchObject({
      'dev.nova.managed': 'true',
      'org.example.keep': 'no',
    });
    expect(await nova('container', 'volume', 'list', '--engine', cli)).toMatch(
      new RegExp(`^${volume} +${cli} +local +nova +/`, 'm'),
    );
    await nova('container', 'volume', 'rm', volume);
    expect(await exists(cli, 'volume', volume)).toBe(false);

    const foreign = track('volumes', uniqueName(`${cli}-v3`));
    await mustRun(cli, ['volume', 'create', foreign]);
    expect(await novaFails(1, 'container', 'volume', 'rm', foreign)).toContain('--foreign');
    expect(await exists(cli, 'volume', foreign)).toBe(true);
    await nova('container', 'volume', 'rm', foreign, '--foreign');
    expect(await exists(cli, 'volume', foreign)).toBe(false);
  });
});

describe('nova container with Docker and Podman side by side', () => {
  const twin = uniqueName('twin');
  const chosen = uniqueName('chosen');

  beforeAll(() => {
    requireLab();
  });

  afterAll(async () => {
    for (const cli of ['docker', 'podman'] as const) {
      await run(cli, ['rm', '-f', twin]);
      await run(cli, ['rm', '-f', chosen]);
    }
  });

  it('asks which engine when both have a container of that name', async () => {
    for (const cli of ['docker', 'podman'] as const) {
      await nova('container', 'create', TEST_IMAGE, '--engine', cli, '--name', twin, '--', 'sleep', '3600');
    }
    const listed = readJson(await nova('container', 'list', '--all', '--json'), Listed).containers;
    expect(
      listed
        .filter((c) => c.name === twin)
        .map((c) => c.engine)
        .sort(),
    ).toEqual(['docker', 'podman']);

    for (const args of [
      ['start', twin],
      ['inspect', twin],
      ['logs', twin],
      ['rm', twin],
    ]) {
      const stderr = await novaFails(1, 'container', ...args);
      expect(stderr).toContain(`"${twin}" names more than one container`);
      expect(stderr).toContain('--engine');
    }
    await nova('container', 'start', twin, '--engine', 'podman');
    expect(await engineState('podman', twin)).toBe('running');
    expect(await engineState('docker', twin)).toBe('created');
    await nova('container', 'rm', twin, '--engine', 'podman', '--force');
    expect(await exists('podman', 'container', twin)).toBe(false);
    // One left: the name is plain again.
    expect(readJson(await nova('container', 'inspect', twin, '--json'), ContainerDetails).engine).toBe(
      'docker',
    );
  });

  it('creates on the engine the user chose: --engine, else NOVA_ENGINE, else the first that answers', async () => {
    const viaEnv = await runNova(['container', 'create', TEST_IMAGE, '--name', chosen, '--', 'true'], {
      env: { NOVA_ENGINE: 'podman' },
    });
    expect(viaEnv.stdout).toContain(`on podman`);
    expect(await exists('podman', 'container', chosen)).toBe(true);
    // Bolt does not run in the lab, so Docker comes first.
    expect(await nova('container', 'create', TEST_IMAGE, '--name', chosen, '--', 'true')).toContain(
      'on docker',
    );
    expect(await exists('docker', 'container', chosen)).toBe(true);
    expect(await novaFails(2, 'container', 'list', '--engine', 'lxc')).toContain(
      'Allowed choices are bolt, docker, podman',
    );
    const unknown = await runNova(['container', 'list'], { env: { NOVA_ENGINE: 'lxc' } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('NOVA_ENGINE is "lxc"');
    expect(await novaFails(4, 'container', 'create', TEST_IMAGE, '--engine', 'bolt')).toContain('bolt');
  });
});
