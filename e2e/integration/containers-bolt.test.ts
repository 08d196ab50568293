// Nova's Bolt adapter. Bolt itself cannot be installed on the lab machines, so a Docker-API server
// stands in for it: the lab's dockerd, reached through a small TCP → unix-socket proxy on 127.0.0.1
// (a random port) that this test runs, with NOVA_BOLT_HOST pointing at it, as a user's Bolt at
// tcp://127.0.0.1:2375 would be. What is tested is Nova's side: finding Bolt at its address, choosing
// it first, honouring the user's choice over it, listing its containers as Bolt's, and the lifecycle
// of a container through the Bolt endpoint. Bolt's own quirks, if any, are not covered here.
import { existsSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

import type { NewContainer } from '@nova/core';
import {
  ContainerManager,
  createNovaServices,
  EngineDiscovery,
  NovaError,
  type NovaServices,
  ROOT_ENGINE_SOCKETS,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  containerSpec,
  mustRun,
  removeContainer,
  run,
  startContainer,
  TEST_IMAGE,
  uniqueName,
} from '../support/lab.js';

const DOCKER_SOCKET = ROOT_ENGINE_SOCKETS.docker;
const ENV_KEYS = ['NOVA_BOLT_HOST', 'NOVA_ENGINE', 'DOCKER_HOST'] as const;

/**
 * A TCP → unix-socket proxy: each connection on 127.0.0.1:<port> is piped to `socketPath`. It notes
 * the request lines it forwards ("POST /v1.41/containers/…/start"), to show what went through it.
 */
async function startProxy(socketPath: string): Promise<{
  address: string;
  requests: string[];
  close: () => Promise<void>;
}> {
  const open = new Set<Socket>();
  const requests: string[] = [];
  const server: Server = createServer((client) => {
    client.on('data', (chunk: Buffer) => {
      for (const match of chunk
        .toString('latin1')
        .matchAll(/^(GET|HEAD|POST|PUT|DELETE) (\S+) HTTP\/1\.1\r$/gm))
        requests.push(`${match[1] ?? ''} ${match[2] ?? ''}`);
    });
    const upstream = connect(socketPath);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `tcp://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function spec(name: string): NewContainer {
  return containerSpec(name, { env: { API_TOKEN: 'SECRET-in-env' } });
}

async function dockerState(name: string): Promise<string> {
  return (await mustRun('docker', ['inspect', '--format', '{{.State.Status}}', name])).trim();
}

describe('Bolt adapter, with a Docker-API server (dockerd behind a TCP proxy) standing in for Bolt', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const saved = new Map<string, string | undefined>();
  const services: NovaServices[] = [];
  const containers: string[] = [];
  /** Nova's services as a CLI run would create them: candidates and NOVA_ENGINE read from the environment. */
  const open = (options: Parameters<typeof createNovaServices>[0] = {}) => {
    const created = createNovaServices(options);
    services.push(created);
    return created;
  };

  beforeAll(async () => {
    if (!existsSync(DOCKER_SOCKET))
      throw new Error(`dockerd is not running (no ${DOCKER_SOCKET}); run: npm run lab -- up`);
    proxy = await startProxy(DOCKER_SOCKET);
    for (const key of ENV_KEYS) saved.set(key, process.env[key]);
    process.env['NOVA_BOLT_HOST'] = proxy.address;
    Reflect.deleteProperty(process.env, 'NOVA_ENGINE');
    Reflect.deleteProperty(process.env, 'DOCKER_HOST');
  });

  afterAll(async () => {
    for (const created of services) created.close();
    for (const name of containers) await removeContainer(name, 'docker');
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
    await proxy.close();
  });

  it('finds the Bolt stand-in reachable at NOVA_BOLT_HOST, with the version of the server behind it', async () => {
    const discovery = new EngineDiscovery(undefined);
    const probes = await discovery.probeAll({ withVersion: true });
    const bolt = probes.find((probe) => probe.endpoint.engine === 'bolt');
    const dockerVersion = (await mustRun('docker', ['version', '--format', '{{.Server.Version}}'])).trim();
    expect(bolt).toMatchObject({
      status: 'ok',
      version: dockerVersion,
      endpoint: { kind: 'tcp', host: '127.0.0.1', label: proxy.address },
    });
    expect(bolt?.detail).toMatch(/^answers at tcp:\/\/127\.0\.0\.1:\d+ \(API 1\.\d+\)$/);
    const { engines } = await discovery.engines();
    expect(engines.find((engine) => engine.engine === 'bolt')).toMatchObject({
      endpoint: proxy.address,
      via: 'direct',
    });
  });

  it('chooses the Bolt stand-in first when no engine is named: Bolt, then Docker, then Podman', async () => {
    const nova = open();
    const { engines } = await nova.containers.engines();
    expect(engines.map((engine) => engine.engine)).toEqual(['bolt', 'docker', 'podman']);
    const chosen = await nova.containers.engine();
    expect(chosen.engine).toBe('bolt');
    expect(chosen.endpoint).toBe(proxy.address);
  });

  it('honours NOVA_ENGINE and an engine named explicitly over that order, with the Bolt stand-in up', async () => {
    process.env['NOVA_ENGINE'] = 'docker';
    try {
      const fromEnv = open();
      expect((await fromEnv.containers.engine()).engine).toBe('docker');
      expect((await fromEnv.containers.engine('podman')).engine).toBe('podman');
      expect((await fromEnv.containers.engine('bolt')).engine).toBe('bolt');
      // --engine (the services' option) wins over NOVA_ENGINE.
      expect((await open({ engine: 'podman' }).containers.engine()).engine).toBe('podman');
    } finally {
      Reflect.deleteProperty(process.env, 'NOVA_ENGINE');
    }
    process.env['NOVA_ENGINE'] = 'lxc';
    try {
      expect(() => open()).toThrow(/NOVA_ENGINE is "lxc", which is not a container engine Nova knows/);
    } finally {
      Reflect.deleteProperty(process.env, 'NOVA_ENGINE');
    }
  });

  it('lists the stand-in’s containers with engine "bolt" in the instance list (and, as the same dockerd, under docker)', async () => {
    const name = uniqueName('bolt-list');
    containers.push(name);
    const id = await startContainer(name, 'docker');
    const list = await open().instances.list();
    const mine = list.instances.filter((instance) => instance.name === name);
    expect(mine.map((instance) => instance.id).sort()).toEqual([
      `container/bolt/${id}`,
      `container/docker/${id}`,
    ]);
    expect(mine.find((instance) => instance.id.startsWith('container/bolt/'))).toMatchObject({
      kind: 'container',
      engine: 'bolt',
      containerId: id,
      state: 'running',
      image: TEST_IMAGE,
      via: 'direct',
    });
    expect(list.sources.find((source) => source.id === 'bolt')).toMatchObject({
      status: 'ok',
      endpoint: proxy.address,
      via: 'direct',
    });
  });

  it('creates, starts, stops and removes a container through the Bolt adapter (requests go through the stand-in’s TCP port)', async () => {
    const manager = new ContainerManager(new EngineDiscovery(undefined));
    const bolt = await manager.engine();
    expect(bolt.engine).toBe('bolt');
    const name = uniqueName('bolt-life');
    containers.push(name);
    const before = proxy.requests.length;

    const id = await bolt.createContainer(spec(name));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await dockerState(name)).toBe('created');
    const labels = JSON.parse(
      await mustRun('docker', ['inspect', '--format', '{{json .Config.Labels}}', name]),
    ) as Record<string, string>;
    expect(labels['dev.nova.managed']).toBe('true');

    await bolt.startContainer({ container: name });
    expect(await dockerState(name)).toBe('running');
    expect(await bolt.inspectContainer(name)).toMatchObject({ engine: 'bolt', id, name, state: 'running' });
    const located = await manager.locate(name, 'bolt');
    expect(located.engine.engine).toBe('bolt');
    expect(located.container.containerId).toBe(id);

    await bolt.stopContainer({ container: name }, { timeoutSeconds: 0 });
    expect(await dockerState(name)).toBe('exited');
    expect((await bolt.inspectContainer(id)).state).toBe('stopped');

    await bolt.removeContainer({ container: name });
    expect((await run('docker', ['inspect', name])).code).not.toBe(0);
    const gone: unknown = await bolt.inspectContainer(name).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(NovaError);
    expect((gone as NovaError).code).toBe('not-found');
    // Every change went to the stand-in's TCP port, none around it.
    const seen = proxy.requests.slice(before).map((line) => line.replace(/^(\w+) \/v[\d.]+/, '$1 '));
    // The container's settings (its env above all) travel in the body, never in a logged URL.
    expect(seen.filter((line) => line.includes('SECRET') || line.includes('Env'))).toEqual([]);
    expect(seen).toEqual(
      expect.arrayContaining([
        `POST /containers/create?name=${name}`,
        `POST /containers/${id}/start`,
        `POST /containers/${id}/stop?t=0`,
        `DELETE /containers/${id}?force=false&v=false`,
      ]),
    );
  });
});
