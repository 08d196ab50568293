// The same suite against both real engines of the lab: Nova's engine adapter (dockerode) must behave
// the same on Docker and on Podman's Docker-compatible API service.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ContainerEvent, LogEntry } from '@nova/core';
import {
  type ContainerEngine,
  EngineDiscovery,
  NovaError,
  parseEngineAddress,
  ROOT_ENGINE_SOCKETS,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { containerSpec, mustRun, requireLab, run, TEST_IMAGE, uniqueName } from '../support/lab.js';

type EngineCli = 'docker' | 'podman';

function engineFor(name: EngineCli): ContainerEngine {
  const endpoint = parseEngineAddress(name, `unix://${ROOT_ENGINE_SOCKETS[name]}`);
  return new EngineDiscovery(undefined, () => [endpoint]).directEngine(endpoint);
}

const spec = containerSpec;

/** The fields of the engines' own `inspect` output these tests read. */
interface EngineInspect {
  Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string> };
  HostConfig: { RestartPolicy: object; NanoCpus: number; Memory: number };
  NetworkSettings: { Networks: Record<string, unknown> };
  State: { StartedAt: string };
  Mounts: { Destination: string; RW: boolean }[];
  /** Networks: Docker says Labels, Podman labels. */
  Labels?: Record<string, string>;
  labels?: Record<string, string>;
}

async function inspectJson(
  cli: EngineCli,
  kind: 'container' | 'network' | 'volume',
  name: string,
): Promise<EngineInspect> {
  const out = await mustRun(cli, [kind, 'inspect', name]);
  const first = (JSON.parse(out) as EngineInspect[])[0];
  if (first === undefined) throw new Error(`${cli} ${kind} inspect ${name} returned nothing`);
  return first;
}

async function engineState(cli: EngineCli, name: string): Promise<string> {
  return (await mustRun(cli, ['inspect', '--format', '{{.State.Status}}', name])).trim();
}

async function expectNovaError(promise: Promise<unknown>, code: NovaError['code'], message?: RegExp) {
  const error: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(NovaError);
  expect((error as NovaError).code).toBe(code);
  if (message !== undefined) expect((error as NovaError).message).toMatch(message);
}

function waitFor<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error(`nothing within ${timeoutMs} ms`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe.each(['docker', 'podman'] as const)('containers on %s through Nova’s engine adapter', (cli) => {
  const engine = engineFor(cli);
  const created: { containers: string[]; images: string[]; networks: string[]; volumes: string[] } = {
    containers: [],
    images: [],
    networks: [],
    volumes: [],
  };
  const scratch = mkdtempSync(join(tmpdir(), `nova-engines-${cli}-`));
  const name = (what: string) => {
    const unique = uniqueName(`${cli}-${what}`);
    created.containers.push(unique);
    return unique;
  };

  beforeAll(() => {
    requireLab();
  });

  afterAll(async () => {
    for (const container of created.containers) await run(cli, ['rm', '-f', container]);
    for (const image of created.images) await run(cli, ['rmi', '-f', image]);
    for (const network of created.networks) await run(cli, ['network', 'rm', network]);
    for (const volume of created.volumes) await run(cli, ['volume', 'rm', '-f', volume]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('creates a container with command, env, ports, mounts, network, restart policy, limits and Nova’s labels', async () => {
    const network = uniqueName(`${cli}-net`);
    created.networks.push(network);
    await engine.createNetwork({ name: network, internal: false, subnet: '10.213.7.0/24' });
    const volume = uniqueName(`${cli}-vol`);
    created.volumes.push(volume);
    const container = name('full');
    const id = await engine.createContainer(
      spec(container, {
        command: ['sh', '-c', 'sleep 3600'],
        env: { GREETING: 'hello world', EMPTY: '' },
        ports: [{ containerPort: 80, hostPort: 18_090 + (cli === 'docker' ? 0 : 1), protocol: 'tcp' }],
        mounts: [
          { type: 'bind', source: scratch, target: '/data', readOnly: true },
          { type: 'volume', source: volume, target: '/cache', readOnly: false },
        ],
        network,
        restart: { name: 'on-failure', maxRetries: 3 },
        nanoCpus: 500_000_000,
        memoryBytes: 64 * 1024 * 1024,
        labels: { 'org.example.team': 'lab' },
      }),
    );
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const seen = await inspectJson(cli, 'container', container);
    expect(seen.Config.Cmd).toEqual(['sh', '-c', 'sleep 3600']);
    expect(seen.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello world', 'EMPTY=']));
    expect(seen.Config.Labels).toMatchObject({ 'dev.nova.managed': 'true', 'org.example.team': 'lab' });
    expect(seen.HostConfig.RestartPolicy).toMatchObject({ Name: 'on-failure', MaximumRetryCount: 3 });
    expect(seen.HostConfig.NanoCpus).toBe(500_000_000);
    expect(seen.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(Object.keys(seen.NetworkSettings.Networks)).toEqual([network]);
    const mounts = seen.Mounts;
    expect(mounts.find((m) => m.Destination === '/data')?.RW).toBe(false);
    expect(mounts.find((m) => m.Destination === '/cache')?.RW).toBe(true);

    await engine.startContainer({ container });
    expect(await engineState(cli, container)).toBe('running');
    const details = await engine.inspectContainer(container);
    expect(details).toMatchObject({
      engine: cli,
      name: container,
      state: 'running',
      origin: 'nova',
      restartPolicy: { name: 'on-failure', maxRetries: 3 },
      nanoCpus: 500_000_000,
      memoryBytes: 64 * 1024 * 1024,
    });
    expect(details.ports).toContainEqual(expect.objectContaining({ containerPort: 80, protocol: 'tcp' }));
    expect(details.networks.map((n) => n.name)).toContain(network);
    expect(details.env).toContain('GREETING=hello world');
    const networks = await engine.listNetworks();
    expect(networks.find((n) => n.name === network)).toMatchObject({
      origin: 'nova',
      subnets: [expect.objectContaining({ subnet: '10.213.7.0/24' })],
    });
    await engine.removeContainer({ container }, { force: true });
    expect((await run(cli, ['inspect', container])).code).not.toBe(0);
  });

  it('takes a container through start, pause, resume, restart, stop and remove', async () => {
    const container = name('life');
    await engine.createContainer(spec(container));
    expect((await engine.listContainers()).find((c) => c.name === container)?.state).toBe('stopped');
    await engine.startContainer({ container });
    expect(await engineState(cli, container)).toBe('running');
    // Starting what runs already is what was asked: no error.
    await engine.startContainer({ container });
    await engine.pauseContainer({ container });
    expect(await engineState(cli, container)).toBe('paused');
    expect((await engine.inspectContainer(container)).state).toBe('paused');
    await engine.resumeContainer({ container });
    expect(await engineState(cli, container)).toBe('running');
    const before = (await inspectJson(cli, 'container', container)).State.StartedAt;
    await engine.restartContainer({ container }, { timeoutSeconds: 0 });
    expect(await engineState(cli, container)).toBe('running');
    expect((await inspectJson(cli, 'container', container)).State.StartedAt).not.toBe(before);
    await engine.stopContainer({ container }, { timeoutSeconds: 0 });
    expect(['exited', 'stopped']).toContain(await engineState(cli, container));
    await engine.stopContainer({ container }, { timeoutSeconds: 0 });
    await expectNovaError(engine.resumeContainer({ container }), 'conflict', /not paused/);
    await engine.removeContainer({ container });
    expect((await engine.listContainers()).some((c) => c.name === container)).toBe(false);
    await expectNovaError(engine.startContainer({ container }), 'not-found');
  });

  it('refuses to change a container Nova did not create, unless the user says foreign', async () => {
    const container = name('foreign');
    await mustRun(cli, ['create', '--name', container, TEST_IMAGE, 'sleep', '3600']);
    await expectNovaError(engine.startContainer({ container }), 'conflict', /not created by Nova/);
    await expectNovaError(engine.removeContainer({ container }, { force: true }), 'conflict');
    expect(await engineState(cli, container)).toBe('created');
    await engine.startContainer({ container, foreign: true });
    expect(await engineState(cli, container)).toBe('running');
    await engine.removeContainer({ container, foreign: true }, { force: true });
    expect((await run(cli, ['inspect', container])).code).not.toBe(0);
  });

  it('refuses to change a Nova container of another project', async () => {
    const container = name('project');
    await engine.createContainer(
      spec(container, { ownership: { project: 'alpha', name: 'web', specHash: 'a'.repeat(64) } }),
    );
    await expectNovaError(
      engine.startContainer({ container, project: 'beta' }),
      'conflict',
      /project "alpha"/,
    );
    await engine.startContainer({ container, project: 'alpha' });
    expect(await engineState(cli, container)).toBe('running');
    expect((await engine.listContainers()).find((c) => c.name === container)).toMatchObject({
      origin: 'nova',
      project: 'alpha',
    });
  });

  it('reads logs: the tail, stdout apart from stderr, with time stamps', async () => {
    const container = name('logs');
    await engine.createContainer(
      spec(container, {
        command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo out$i; done; echo err1 >&2; sleep 3600'],
      }),
    );
    await engine.startContainer({ container });
    const all = await waitForLogs(engine, container, 6);
    expect(all.filter((e) => e.stream === 'stdout').map((e) => e.text)).toEqual([
      'out1',
      'out2',
      'out3',
      'out4',
      'out5',
    ]);
    expect(all.filter((e) => e.stream === 'stderr').map((e) => e.text)).toEqual(['err1']);
    const tail = await engine.containerLogs(container, { tail: 2, timestamps: true });
    expect(tail).toHaveLength(2);
    for (const entry of tail) expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('follows logs as lines come, and stops following when the container stops', async () => {
    const container = name('follow');
    await engine.createContainer(
      spec(container, {
        command: ['sh', '-c', 'i=0; while [ $i -lt 6 ]; do echo line$i; i=$((i+1)); sleep 0.3; done'],
      }),
    );
    await engine.startContainer({ container });
    const lines: string[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort();
    }, 20_000);
    await engine.followLogs(container, {}, (entry) => lines.push(entry.text), controller.signal);
    clearTimeout(timer);
    expect(controller.signal.aborted).toBe(false);
    expect(lines).toEqual(['line0', 'line1', 'line2', 'line3', 'line4', 'line5']);
  });

  it('stops following logs when asked', async () => {
    const container = name('follow-abort');
    await engine.createContainer(
      spec(container, { command: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] }),
    );
    await engine.startContainer({ container });
    const lines: string[] = [];
    const controller = new AbortController();
    const following = engine.followLogs(
      container,
      { tail: 0 },
      (entry) => lines.push(entry.text),
      controller.signal,
    );
    await waitFor(() => (lines.length >= 2 ? true : undefined), 10_000);
    controller.abort();
    await following;
    const count = lines.length;
    // The container goes on printing: once its log holds three more ticks, none of them reached us.
    const logged = (await engine.containerLogs(container)).length;
    await waitForLogs(engine, container, logged + 3);
    expect(lines.length).toBe(count);
  });

  it('reads a load sample for a running container, and streams them', async () => {
    const container = name('stats');
    await engine.createContainer(spec(container));
    await engine.startContainer({ container });
    const [sample] = await engine.containerStats([container]);
    expect(sample).toMatchObject({ engine: cli, name: container });
    expect(sample?.memoryBytes).toBeGreaterThan(0);
    expect(sample?.pids).toBeGreaterThanOrEqual(1);
    const all = await engine.containerStats();
    expect(all.some((s) => s.name === container)).toBe(true);

    const controller = new AbortController();
    const samples: string[] = [];
    const streaming = engine.streamStats((s) => samples.push(s.name), controller.signal);
    await waitFor(() => (samples.filter((n) => n === container).length >= 2 ? true : undefined), 15_000);
    controller.abort();
    await streaming;

    await engine.stopContainer({ container }, { timeoutSeconds: 0 });
    await expectNovaError(engine.containerStats([container]), 'conflict', /not running/);
  });

  it('runs a one-off command and returns its exit code and output', async () => {
    const container = name('exec');
    await engine.createContainer(spec(container));
    const result = engine.exec({ container }, { argv: ['true'] });
    await expectNovaError(result, 'conflict', /not running/);
    await engine.startContainer({ container });
    const ran = await engine.exec(
      { container },
      {
        argv: ['sh', '-c', 'echo "$GREETING"; pwd; echo oops >&2; exit 7'],
        env: ['GREETING=hi there'],
        workdir: '/tmp',
      },
    );
    expect(ran).toEqual({ exitCode: 7, stdout: 'hi there\n/tmp\n', stderr: 'oops\n', truncated: false });
    await expectNovaError(
      engine.exec({ container }, { argv: ['sleep', '30'], timeoutMs: 300 }),
      'failed',
      /did not finish within 300 ms/,
    );
  });

  it('imports an image archive and a root file system tarball, lists and removes them', async () => {
    const archive = join(scratch, 'busybox.tar');
    await mustRun(cli, ['save', '-o', archive, TEST_IMAGE]);
    const tagged = `nova-test/imported-${uniqueName(cli).toLowerCase()}:1`;
    created.images.push(tagged);
    const names = await engine.importImage(archive, { reference: tagged });
    expect(names[0]).toBe(tagged);

    const source = name('rootfs-src');
    await mustRun(cli, ['create', '--name', source, TEST_IMAGE, 'true']);
    const rootfs = join(scratch, 'rootfs.tar');
    await mustRun(cli, ['export', '-o', rootfs, source]);
    await expectNovaError(engine.importImage(rootfs, {}), 'invalid-input', /root file system/);
    const fromRootfs = `nova-test/rootfs-${uniqueName(cli).toLowerCase()}:2`;
    created.images.push(fromRootfs);
    const progress: string[] = [];
    expect(
      await engine.importImage(rootfs, { reference: fromRootfs }, (p) => progress.push(p.status)),
    ).toEqual([fromRootfs]);

    const images = await engine.listImages();
    const tagsOf = (ref: string) => images.filter((image) => image.tags.some((tag) => tag.endsWith(ref)));
    expect(tagsOf(tagged)).toHaveLength(1);
    expect(tagsOf(fromRootfs)).toHaveLength(1);

    // An image a container uses is not removed without force.
    const user = name('image-user');
    await engine.createContainer(
      spec(user, { image: fromRootfs, command: ['/bin/busybox', 'sleep', '3600'] }),
    );
    await engine.startContainer({ container: user });
    expect((await engine.exec({ container: user }, { argv: ['/bin/busybox', 'true'] })).exitCode).toBe(0);
    await expectNovaError(engine.removeImage(fromRootfs), 'conflict', /in use/);
    await engine.removeContainer({ container: user }, { force: true });
    await engine.removeImage(fromRootfs);
    await engine.removeImage(tagged);
    const after = await engine.listImages();
    expect(after.some((image) => image.tags.some((tag) => tag.endsWith(tagged)))).toBe(false);
    await expectNovaError(engine.removeImage(tagged), 'not-found');
  });

  it('says clearly that a registry cannot be reached', async () => {
    await expectNovaError(
      engine.pullImage('registry.invalid.example/nova/none:1'),
      'backend-unavailable',
      /registry cannot be reached/,
    );
  });

  it('refuses a file that is not a tarball', async () => {
    const junk = join(scratch, 'junk.tar');
    writeFileSync(junk, 'this is not a tar archive at all, but long enough to look at. '.repeat(20));
    await expectNovaError(engine.importImage(junk, {}), 'invalid-input', /not a tar archive/);
  });

  it('creates, lists and removes networks and volumes, and keeps the engine’s own', async () => {
    const network = uniqueName(`${cli}-n2`);
    created.networks.push(network);
    await engine.createNetwork({ name: network, internal: true });
    await expectNovaError(engine.createNetwork({ name: network, internal: true }), 'conflict');
    const listed = (await engine.listNetworks()).find((n) => n.name === network);
    expect(listed).toMatchObject({ origin: 'nova', internal: true, engine: cli });
    const inspected = await inspectJson(cli, 'network', network);
    // Docker says Labels, Podman labels.
    expect(inspected.Labels ?? inspected.labels).toMatchObject({ 'dev.nova.managed': 'true' });
    await expectNovaError(engine.removeNetwork({ name: 'bridge', foreign: true }), 'conflict', /own/);
    const system = (await engine.listNetworks()).find((n) => n.name === 'bridge');
    expect(system?.origin).toBe('system');
    await engine.removeNetwork({ name: network });
    expect((await engine.listNetworks()).some((n) => n.name === network)).toBe(false);

    const volume = uniqueName(`${cli}-v2`);
    created.volumes.push(volume);
    await engine.createVolume({ name: volume, labels: { 'org.example.keep': 'no' } });
    await expectNovaError(engine.createVolume({ name: volume }), 'conflict', /already/);
    expect((await engine.listVolumes()).find((v) => v.name === volume)).toMatchObject({ origin: 'nova' });
    const foreignVolume = uniqueName(`${cli}-v3`);
    created.volumes.push(foreignVolume);
    await mustRun(cli, ['volume', 'create', foreignVolume]);
    await expectNovaError(engine.removeVolume({ name: foreignVolume }), 'conflict', /not created by Nova/);
    await engine.removeVolume({ name: foreignVolume, foreign: true });
    await engine.removeVolume({ name: volume });
    const volumes = await engine.listVolumes();
    expect(volumes.some((v) => v.name === volume || v.name === foreignVolume)).toBe(false);
  });

  it('reports a container stopped behind Nova’s back through the engine’s events', async () => {
    const container = name('events');
    await engine.createContainer(spec(container));
    await engine.startContainer({ container });
    const events: ContainerEvent[] = [];
    let available = false;
    const stop = engine.watch({
      event: (event) => events.push(event),
      status: (status) => {
        available = status.status === 'available';
      },
    });
    try {
      await waitFor(() => (available ? true : undefined), 10_000);
      await mustRun(cli, ['stop', '-t', '0', container]);
      const event = await waitFor(
        () => events.find((e) => e.name === container && e.state === 'stopped'),
        30_000,
      );
      expect(event.engine).toBe(cli);
      expect(event.containerId).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      stop();
    }
  });
});

async function waitForLogs(engine: ContainerEngine, container: string, count: number): Promise<LogEntry[]> {
  const started = Date.now();
  for (;;) {
    const entries = await engine.containerLogs(container);
    if (entries.length >= count || Date.now() - started > 10_000) return entries;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
