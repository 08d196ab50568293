import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  ContainerManager,
  type EngineFinder,
  preferredEngineFromEnv,
  refersTo,
} from '../src/containers/container-manager.js';
import {
  containerStateFromEngine,
  containerSummaryFromEngine,
  NOVA_MANAGED_LABEL,
} from '../src/containers/container-model.js';
import type { ContainerEngine } from '../src/containers/engine.js';
import { chooseEndpoints, EngineDiscovery } from '../src/containers/engine-discovery.js';
import {
  engineCandidates,
  type EngineProbe,
  parseEngineAddress,
  probeEngine,
} from '../src/containers/engines.js';
import { NovaError } from '../src/contract/errors.js';
import type { ContainerSummary } from '../src/contract/helper/index.js';
import type { EngineName, SourceStatus } from '../src/model/instance.js';

/** What a promise rejected with (fails the test when it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<NovaError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(NovaError);
  return outcome as NovaError;
}

function thrownBy(run: () => unknown): NovaError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    return err as NovaError;
  }
  throw new Error('it did not throw');
}

describe('container states', () => {
  it('map Docker’s and Podman’s states to Nova’s', () => {
    const states = [
      'created',
      'running',
      'paused',
      'restarting',
      'removing',
      'exited',
      'dead',
      'configured',
      'weird',
    ];
    expect(states.map(containerStateFromEngine)).toEqual([
      'stopped',
      'running',
      'paused',
      'starting',
      'stopping',
      'stopped',
      'crashed',
      'stopped',
      'unknown',
    ]);
  });

  it('take the name without its slash and the origin from Nova’s label', () => {
    const info = {
      Id: 'abc123',
      Names: ['/web'],
      Image: 'busybox',
      State: 'running',
      Labels: { [NOVA_MANAGED_LABEL]: 'true' },
    };
    expect(containerSummaryFromEngine(info)).toEqual({
      containerId: 'abc123',
      name: 'web',
      state: 'running',
      origin: 'nova',
      image: 'busybox',
    });
    expect(containerSummaryFromEngine({ ...info, Labels: null, Names: null }).origin).toBe('external');
    expect(containerSummaryFromEngine({ ...info, Names: [] }).name).toBe('abc123');
  });
});

describe('engine addresses', () => {
  it('understand unix and tcp addresses', () => {
    expect(parseEngineAddress('docker', 'unix:///var/run/docker.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
      relayable: true,
    });
    expect(parseEngineAddress('bolt', 'tcp://127.0.0.1:2375')).toMatchObject({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
    });
    expect(parseEngineAddress('docker', 'tcp://[::1]:2376')).toMatchObject({
      kind: 'tcp',
      host: '::1',
      port: 2376,
    });
  });

  it('refuse what they do not understand, saying what would work', () => {
    let thrown: unknown;
    try {
      parseEngineAddress('docker', 'ssh://host');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'invalid-input',
      message: 'docker address "ssh://host" is not understood',
      detail: 'Use unix:///path/to/socket or tcp://host:port.',
    });
    expect(() => parseEngineAddress('docker', 'tcp://host:99999')).toThrow();
  });

  it('are looked for in Nova’s order: Bolt, Docker, then Podman rootless before rootful', () => {
    const candidates = engineCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
    expect(candidates.map((c) => `${c.engine} ${c.label}`)).toEqual([
      'bolt tcp://127.0.0.1:2375',
      'docker unix:///var/run/docker.sock',
      'podman unix:///run/user/1000/podman/podman.sock',
      'podman unix:///run/podman/podman.sock',
    ]);
    expect(
      engineCandidates({ DOCKER_HOST: 'unix:///tmp/d.sock', NOVA_BOLT_HOST: 'tcp://10.0.0.1:2375' }, 0).map(
        (c) => c.label,
      ),
    ).toEqual(['tcp://10.0.0.1:2375', 'unix:///tmp/d.sock', 'unix:///run/podman/podman.sock']);
  });
});

describe('probeEngine', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('calls a missing socket absent', async () => {
    const probe = await probeEngine(parseEngineAddress('docker', 'unix:///nonexistent/docker.sock'));
    expect(probe.status).toBe('absent');
  });

  it('calls a TCP port where nothing listens absent', async () => {
    const probe = await probeEngine(parseEngineAddress('bolt', 'tcp://127.0.0.1:1'));
    expect(probe).toMatchObject({ status: 'absent', detail: 'nothing listens at tcp://127.0.0.1:1' });
  });

  it('calls a socket that answers something else unavailable', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nova-probe-')), 'engine.sock');
    const listening = createServer((socket) => socket.end('HTTP/1.1 500 Nope\r\nContent-Length: 0\r\n\r\n'));
    server = listening;
    await new Promise<void>((resolve) => listening.listen(path, resolve));
    const probe = await probeEngine(parseEngineAddress('docker', `unix://${path}`));
    expect(probe.status).toBe('unavailable');
  });
});

describe('chooseEndpoints', () => {
  const probe = (engine: 'podman' | 'docker', label: string, status: EngineProbe['status']): EngineProbe => ({
    endpoint: parseEngineAddress(engine, label),
    status,
    detail: '',
  });

  it('takes the first endpoint that answers for each engine', () => {
    const chosen = chooseEndpoints([
      probe('podman', 'unix:///run/user/1000/podman/podman.sock', 'absent'),
      probe('podman', 'unix:///run/podman/podman.sock', 'needs-helper'),
      probe('docker', 'unix:///var/run/docker.sock', 'ok'),
    ]);
    expect(chosen.get('podman')?.endpoint.label).toBe('unix:///run/podman/podman.sock');
    expect(chosen.get('docker')?.status).toBe('ok');
  });

  it('prefers a rootless engine that answers over the system one', () => {
    const chosen = chooseEndpoints([
      probe('podman', 'unix:///run/user/1000/podman/podman.sock', 'ok'),
      probe('podman', 'unix:///run/podman/podman.sock', 'ok'),
    ]);
    expect(chosen.get('podman')?.endpoint.label).toBe('unix:///run/user/1000/podman/podman.sock');
  });
});

describe('engine addresses, more', () => {
  it('take any unix socket path; only the root-owned engine sockets are relayed through the helper', () => {
    expect(parseEngineAddress('podman', 'unix:///run/podman/podman.sock')).toEqual({
      engine: 'podman',
      kind: 'unix',
      socketPath: '/run/podman/podman.sock',
      label: 'unix:///run/podman/podman.sock',
      relayable: true,
    });
    expect(parseEngineAddress('podman', 'unix:///run/user/1000/podman/podman.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/run/user/1000/podman/podman.sock',
      relayable: false,
    });
  });

  it('take a tcp address with a trailing slash, and keep what the user wrote as the label', () => {
    expect(parseEngineAddress('bolt', 'tcp://localhost:2375/')).toEqual({
      engine: 'bolt',
      kind: 'tcp',
      host: 'localhost',
      port: 2375,
      label: 'tcp://localhost:2375/',
      relayable: false,
    });
    expect(parseEngineAddress('bolt', 'tcp://127.0.0.1:65535')).toMatchObject({ port: 65535 });
  });

  it.each([
    ['no scheme', '/var/run/docker.sock'],
    ['http instead of tcp', 'http://127.0.0.1:2375'],
    ['ssh', 'ssh://user@host'],
    ['no port', 'tcp://127.0.0.1'],
    ['port 0', 'tcp://127.0.0.1:0'],
    ['port past 65535', 'tcp://127.0.0.1:65536'],
    ['a path after the port', 'tcp://127.0.0.1:2375/v1.41'],
    ['nothing', ''],
  ])('refuse %s as invalid input, naming the engine and the address', (_what, address) => {
    const error = thrownBy(() => parseEngineAddress('bolt', address));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(`bolt address "${address}" is not understood`);
    expect(error.detail).toMatch(/unix:\/\/\/path\/to\/socket or tcp:\/\/host:port/);
  });
});

describe('engine candidates', () => {
  const labels = (env: NodeJS.ProcessEnv, uid: number) =>
    engineCandidates(env, uid).map((c) => `${c.engine} ${c.label}`);

  it('for root: Bolt, Docker, then only the system Podman, even with XDG_RUNTIME_DIR set', () => {
    expect(labels({ XDG_RUNTIME_DIR: '/run/user/0' }, 0)).toEqual([
      'bolt tcp://127.0.0.1:2375',
      'docker unix:///var/run/docker.sock',
      'podman unix:///run/podman/podman.sock',
    ]);
  });

  it('for a user: rootless Podman in XDG_RUNTIME_DIR before the system one', () => {
    expect(labels({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toEqual([
      'bolt tcp://127.0.0.1:2375',
      'docker unix:///var/run/docker.sock',
      'podman unix:///run/user/1000/podman/podman.sock',
      'podman unix:///run/podman/podman.sock',
    ]);
  });

  it('for a user without XDG_RUNTIME_DIR (or with it empty): no rootless candidate', () => {
    const systemOnly = [
      'bolt tcp://127.0.0.1:2375',
      'docker unix:///var/run/docker.sock',
      'podman unix:///run/podman/podman.sock',
    ];
    expect(labels({}, 1000)).toEqual(systemOnly);
    expect(labels({ XDG_RUNTIME_DIR: '' }, 1000)).toEqual(systemOnly);
  });

  it('take NOVA_BOLT_HOST and DOCKER_HOST (tcp too) in place of the defaults, in the same order', () => {
    expect(
      labels({ NOVA_BOLT_HOST: 'unix:///run/bolt.sock', DOCKER_HOST: 'tcp://10.1.2.3:2376' }, 1000),
    ).toEqual([
      'bolt unix:///run/bolt.sock',
      'docker tcp://10.1.2.3:2376',
      'podman unix:///run/podman/podman.sock',
    ]);
  });

  it('fail with invalid input on a NOVA_BOLT_HOST or DOCKER_HOST Nova does not understand', () => {
    expect(thrownBy(() => engineCandidates({ NOVA_BOLT_HOST: 'bolt.local' }, 0))).toMatchObject({
      code: 'invalid-input',
      message: 'bolt address "bolt.local" is not understood',
    });
    expect(thrownBy(() => engineCandidates({ DOCKER_HOST: 'ssh://me@box' }, 0))).toMatchObject({
      code: 'invalid-input',
      message: 'docker address "ssh://me@box" is not understood',
    });
  });
});

describe('chooseEndpoints ranking', () => {
  const probe = (engine: EngineName, label: string, status: EngineProbe['status']): EngineProbe => ({
    endpoint: parseEngineAddress(engine, label),
    status,
    detail: status,
  });
  const rootless = 'unix:///run/user/1000/podman/podman.sock';
  const system = 'unix:///run/podman/podman.sock';

  it.each([
    ['ok', 'needs-helper'],
    ['ok', 'unavailable'],
    ['ok', 'absent'],
    ['needs-helper', 'unavailable'],
    ['needs-helper', 'absent'],
    ['unavailable', 'absent'],
  ] as const)('%s wins over %s, whichever comes first', (better, worse) => {
    for (const probes of [
      [probe('podman', rootless, better), probe('podman', system, worse)],
      [probe('podman', rootless, worse), probe('podman', system, better)],
    ]) {
      expect(chooseEndpoints(probes).get('podman')?.status).toBe(better);
    }
  });

  it('keeps the first of two equally good endpoints (rootless before system)', () => {
    for (const status of ['ok', 'needs-helper', 'unavailable', 'absent'] as const) {
      const chosen = chooseEndpoints([probe('podman', rootless, status), probe('podman', system, status)]);
      expect(chosen.get('podman')?.endpoint.label).toBe(rootless);
    }
  });

  it('chooses for each engine on its own, and keeps Nova’s order of engines', () => {
    const chosen = chooseEndpoints([
      probe('bolt', 'tcp://127.0.0.1:2375', 'absent'),
      probe('docker', 'unix:///var/run/docker.sock', 'unavailable'),
      probe('podman', rootless, 'absent'),
      probe('podman', system, 'ok'),
    ]);
    expect([...chosen].map(([engine, p]) => `${engine} ${p.status} ${p.endpoint.label}`)).toEqual([
      'bolt absent tcp://127.0.0.1:2375',
      'docker unavailable unix:///var/run/docker.sock',
      `podman ok ${system}`,
    ]);
  });
});

describe('preferredEngineFromEnv', () => {
  it('is nothing when NOVA_ENGINE is unset or empty', () => {
    expect(preferredEngineFromEnv({})).toBeUndefined();
    expect(preferredEngineFromEnv({ NOVA_ENGINE: '' })).toBeUndefined();
  });

  it.each(['bolt', 'docker', 'podman'] as const)('takes NOVA_ENGINE=%s', (engine) => {
    expect(preferredEngineFromEnv({ NOVA_ENGINE: engine })).toBe(engine);
  });

  it.each(['Docker', 'lxc', ' podman'])('refuses NOVA_ENGINE=%j, listing the engines it knows', (value) => {
    const error = thrownBy(() => preferredEngineFromEnv({ NOVA_ENGINE: value }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(`NOVA_ENGINE is "${value}", which is not a container engine Nova knows`);
    expect(error.detail).toBe('Set it to one of bolt, docker, podman, or unset it.');
  });
});

// ContainerManager's choice of engine is pure selection over what discovery found, so these tests give
// it a fake finder and fake engines (only name, endpoint and container list); the integration suites
// (containers-bolt, containers-engine-down) run the same choices against real engines.

function summary(containerId: string, name: string): ContainerSummary {
  return { containerId, name, state: 'running', origin: 'nova', image: 'busybox' };
}

/** A fake engine: the fields selection reads, and a container list (or a failure to list). */
function fakeEngine(
  engine: EngineName,
  containers: ContainerSummary[] = [],
  failure?: string,
): ContainerEngine {
  const fake: Pick<ContainerEngine, 'engine' | 'endpoint' | 'via' | 'listContainers'> = {
    engine,
    endpoint: `fake://${engine}`,
    via: 'direct',
    listContainers: () =>
      failure === undefined
        ? Promise.resolve(containers)
        : Promise.reject(new NovaError('backend-unavailable', failure)),
  };
  return fake as ContainerEngine;
}

/** A fake finder: answers with these engines and problems, as EngineDiscovery would. */
function fakeFinder(engines: ContainerEngine[], problems: SourceStatus[] = []): EngineFinder {
  return { engines: () => Promise.resolve({ engines, problems, all: [...engines, ...problems] }) };
}

const dockerDown: SourceStatus = {
  id: 'docker',
  status: 'unavailable',
  endpoint: 'unix:///var/run/docker.sock',
  error: {
    code: 'backend-unavailable',
    message: 'unix:///var/run/docker.sock exists but no docker daemon answers it; start the docker service',
  },
};
const boltAbsent: SourceStatus = { id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' };
const podmanAbsent: SourceStatus = {
  id: 'podman',
  status: 'absent',
  endpoint: 'unix:///run/podman/podman.sock',
};

describe('ContainerManager.engine (fake finder)', () => {
  const all = [fakeEngine('bolt'), fakeEngine('docker'), fakeEngine('podman')];

  it('takes the first reachable engine when none is named: Bolt, then Docker, then Podman', async () => {
    expect((await new ContainerManager(fakeFinder(all)).engine()).engine).toBe('bolt');
    expect((await new ContainerManager(fakeFinder(all.slice(1), [boltAbsent])).engine()).engine).toBe(
      'docker',
    );
    expect(
      (await new ContainerManager(fakeFinder(all.slice(2), [boltAbsent, dockerDown])).engine()).engine,
    ).toBe('podman');
  });

  it('takes the user’s choice (NOVA_ENGINE, --engine) over the order', async () => {
    expect((await new ContainerManager(fakeFinder(all), 'podman').engine()).engine).toBe('podman');
    expect((await new ContainerManager(fakeFinder(all), 'docker').engine()).engine).toBe('docker');
  });

  it('takes an engine named in the call over the user’s choice', async () => {
    expect((await new ContainerManager(fakeFinder(all), 'podman').engine('bolt')).engine).toBe('bolt');
  });

  it('does not fall back to another engine when the chosen one does not answer: it says why', async () => {
    const manager = new ContainerManager(
      fakeFinder(
        [all[0], all[2]].flatMap((e) => e ?? []),
        [dockerDown],
      ),
    );
    const error = await rejectionOf(manager.engine('docker'));
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toBe(dockerDown.error?.message);
    expect(error.detail).toBe(
      'Start docker, or choose another engine with --engine (reachable: bolt, podman).',
    );
    // The same for the user's standing choice.
    expect(
      (await rejectionOf(new ContainerManager(fakeFinder([], [dockerDown]), 'docker').engine())).detail,
    ).toBe('Start docker, or choose another engine with --engine.');
  });

  it('says an absent engine is not running here, and where it looked', async () => {
    const error = await rejectionOf(
      new ContainerManager(fakeFinder([fakeEngine('docker')], [podmanAbsent])).engine('podman'),
    );
    expect(error).toMatchObject({
      code: 'backend-unavailable',
      message: 'podman is not running here (nothing at unix:///run/podman/podman.sock)',
      detail: 'Start podman, or choose another engine with --engine (reachable: docker).',
    });
  });

  it('fails with every reason when no engine answers', async () => {
    const error = await rejectionOf(
      new ContainerManager(fakeFinder([], [boltAbsent, dockerDown, podmanAbsent])).engine(),
    );
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toBe('no container engine answers here');
    expect(error.detail).toBe(
      'bolt is not running here (nothing at tcp://127.0.0.1:2375); ' +
        `${dockerDown.error?.message ?? ''}; ` +
        'podman is not running here (nothing at unix:///run/podman/podman.sock). ' +
        'Start Docker or Podman (or Bolt at tcp://127.0.0.1:2375).',
    );
  });
});

describe('refersTo', () => {
  const web = summary('3f9a2c7b0d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a', 'web');

  it('matches the name, the full id, or an id prefix of at least 4 hex digits', () => {
    expect(refersTo('web', web)).toBe(true);
    expect(refersTo(web.containerId, web)).toBe(true);
    expect(refersTo('3f9a', web)).toBe(true);
    expect(refersTo('3f9a2c7b0d1e', web)).toBe(true);
  });

  it('does not match a short prefix, a prefix that is not hex, a prefix of the name or another id', () => {
    expect(refersTo('3f9', web)).toBe(false);
    expect(refersTo('3F9A', web)).toBe(false);
    expect(refersTo('we', web)).toBe(false);
    expect(refersTo('web-1', web)).toBe(false);
    expect(refersTo('3f9b', web)).toBe(false);
  });
});

describe('ContainerManager.locate (fake finder)', () => {
  const idA = `abcd1234${'0'.repeat(56)}`;
  const idB = `abcd5678${'0'.repeat(56)}`;

  it('finds a container by name, id or id prefix in whichever engine runs it', async () => {
    const manager = new ContainerManager(
      fakeFinder([fakeEngine('docker', [summary(idA, 'web')]), fakeEngine('podman', [summary(idB, 'db')])]),
    );
    expect((await manager.locate('db')).engine.engine).toBe('podman');
    expect((await manager.locate(idA)).container.name).toBe('web');
    expect((await manager.locate('abcd5')).container.name).toBe('db');
  });

  it('calls a name found in two engines ambiguous, and says to choose with --engine', async () => {
    const manager = new ContainerManager(
      fakeFinder([fakeEngine('docker', [summary(idA, 'web')]), fakeEngine('podman', [summary(idB, 'web')])]),
    );
    const error = await rejectionOf(manager.locate('web'));
    expect(error).toMatchObject({
      code: 'conflict',
      message: '"web" names more than one container: docker: web (abcd12340000), podman: web (abcd56780000)',
      detail: 'Say which engine: --engine docker.',
    });
    expect((await manager.locate('web', 'podman')).container.containerId).toBe(idB);
  });

  it('calls an id prefix shared by two containers of one engine ambiguous: a longer id says which', async () => {
    const manager = new ContainerManager(
      fakeFinder([fakeEngine('docker', [summary(idA, 'web'), summary(idB, 'db')])]),
    );
    const error = await rejectionOf(manager.locate('abcd'));
    expect(error.code).toBe('conflict');
    expect(error.detail).toBe('Give the full name or a longer id.');
    expect((await manager.locate('abcd1')).container.name).toBe('web');
  });

  it('prefers an exact name over id prefixes that also match', async () => {
    const manager = new ContainerManager(
      fakeFinder([fakeEngine('docker', [summary(idA, 'web'), summary(idB, 'abcd')])]),
    );
    expect((await manager.locate('abcd')).container.containerId).toBe(idB);
  });

  it('says which engines it could not search when nothing is found', async () => {
    const manager = new ContainerManager(
      fakeFinder(
        [fakeEngine('bolt', [], 'bolt hung up'), fakeEngine('podman', [summary(idB, 'db')])],
        [dockerDown],
      ),
    );
    const error = await rejectionOf(manager.locate('web'));
    expect(error.code).toBe('not-found');
    expect(error.message).toBe('no container "web" in bolt or podman');
    expect(error.detail).toBe(`Not searched: bolt hung up; ${dockerDown.error?.message ?? ''}.`);
  });

  it('fails with the engine’s reason when the engine named does not answer', async () => {
    const manager = new ContainerManager(fakeFinder([fakeEngine('podman')], [dockerDown]));
    const error = await rejectionOf(manager.locate('web', 'docker'));
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toBe(dockerDown.error?.message);
  });
});

describe('EngineDiscovery against Docker-API stand-ins (HTTP servers answering /_ping)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** An HTTP server that answers /_ping like an engine, on a unix socket or a TCP port. */
  async function standIn(where: { path: string } | { port: 0 }): Promise<string> {
    const server = createHttpServer((req, res) => {
      res.writeHead(req.url?.endsWith('/_ping') === true ? 200 : 404, { 'content-type': 'text/plain' });
      res.end('OK');
    });
    await new Promise<void>((resolve) => {
      if ('path' in where) server.listen(where.path, resolve);
      else server.listen(0, '127.0.0.1', resolve);
    });
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    );
    return 'path' in where
      ? `unix://${where.path}`
      : `tcp://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  }

  /** A socket file whose daemon died: it stays, and nothing answers on it. */
  async function staleSocket(path: string): Promise<string> {
    const child = spawn(process.execPath, [
      '-e',
      'require("node:net").createServer().listen(process.argv[1]); setInterval(() => {}, 1000)',
      path,
    ]);
    for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path)).toBe(true);
    return `unix://${path}`;
  }

  it('calls a socket left behind by a daemon that died unavailable, and says to start the service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-stale-'));
    const probe = await probeEngine(
      parseEngineAddress('podman', await staleSocket(join(dir, 'podman.sock'))),
    );
    expect(probe).toMatchObject({
      status: 'unavailable',
      detail: `unix://${dir}/podman.sock exists but no podman daemon answers it; start the podman service`,
    });
  });

  it('lists reachable engines in Nova’s order and the others with their reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-discovery-'));
    const podman = await standIn({ path: join(dir, 'podman.sock') });
    const docker = await staleSocket(join(dir, 'docker.sock'));
    const discovery = new EngineDiscovery(undefined, () => [
      parseEngineAddress('bolt', 'tcp://127.0.0.1:1'),
      parseEngineAddress('docker', docker),
      parseEngineAddress('podman', podman),
    ]);
    const { engines, problems, all } = await discovery.engines();
    expect(engines.map((e) => `${e.engine} ${e.endpoint} ${e.via}`)).toEqual([`podman ${podman} direct`]);
    expect(problems).toEqual([
      { id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:1' },
      {
        id: 'docker',
        status: 'unavailable',
        endpoint: docker,
        error: {
          code: 'backend-unavailable',
          message: `${docker} exists but no docker daemon answers it; start the docker service`,
        },
      },
    ]);
    expect(all.map((entry) => ('engine' in entry ? entry.engine : entry.id))).toEqual([
      'bolt',
      'docker',
      'podman',
    ]);
    // A manager on it chooses the one that answers, and says why it cannot use the one named.
    const manager = new ContainerManager(discovery);
    expect((await manager.engine()).engine).toBe('podman');
    expect((await rejectionOf(manager.engine('docker'))).message).toMatch(/no docker daemon answers/);
  });

  it('puts Bolt first when it answers, and lists a socket DOCKER_HOST shares with Podman once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-discovery-'));
    const bolt = await standIn({ port: 0 });
    const shared = await standIn({ path: join(dir, 'podman.sock') });
    const discovery = new EngineDiscovery(undefined, () =>
      engineCandidates({ NOVA_BOLT_HOST: bolt, DOCKER_HOST: shared }, 0).map((endpoint) =>
        endpoint.engine === 'podman' ? parseEngineAddress('podman', shared) : endpoint,
      ),
    );
    const { engines, problems } = await discovery.engines();
    expect(engines.map((e) => `${e.engine} ${e.endpoint}`)).toEqual([`bolt ${bolt}`, `docker ${shared}`]);
    expect(problems).toEqual([]);
    expect((await new ContainerManager(discovery).engine()).engine).toBe('bolt');
    // The engine objects are kept, so their connections are reused.
    expect((await discovery.engines()).engines[0]).toBe(engines[0]);
  });
});
