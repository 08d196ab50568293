// An engine that stops answering: Nova says `backend-unavailable` for it, names it, and keeps showing
// the other engine's instances. Podman's API service is stopped here (scripts/lab.sh engine), once
// gracefully and once killed as a crash would (its socket file left behind), and always started again.
import { existsSync } from 'node:fs';

import { InstanceChange, InstanceList } from '@nova/core';
import {
  ContainerManager,
  createNovaServices,
  EngineDiscovery,
  NovaError,
  ROOT_ENGINE_SOCKETS,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  mustRun,
  readJson,
  removeContainer,
  requireLab,
  runNova,
  startContainer,
  uniqueName,
} from '../support/lab.js';

const dockerName = uniqueName('down-docker');
const podmanName = uniqueName('down-podman');

function lab(...args: string[]): Promise<string> {
  return mustRun('bash', ['scripts/lab.sh', ...args], { timeoutMs: 120_000 });
}

beforeAll(async () => {
  requireLab();
  await startContainer(dockerName, 'docker');
  await startContainer(podmanName, 'podman');
}, 120_000);

afterAll(async () => {
  // Whatever happened above, the lab gets its Podman service back.
  await lab('engine', 'start', 'podman');
  await removeContainer(dockerName, 'docker');
  await removeContainer(podmanName, 'podman');
}, 120_000);

async function expectPodmanDown(socketLeft: boolean): Promise<void> {
  expect(existsSync(ROOT_ENGINE_SOCKETS.podman)).toBe(socketLeft);

  // The list: Docker's containers are all there; Podman is named, with why it is missing.
  // An engine that is there but does not answer makes the exit code 4 (docs/cli.md); one that is
  // simply not running is not an error.
  const listed = await runNova(['list', '--json']);
  expect(listed.code).toBe(socketLeft ? 4 : 0);
  if (socketLeft) expect(listed.stderr).toMatch(/podman.*no podman daemon answers/);
  const list = readJson(listed.stdout, InstanceList);
  expect(list.instances.map((i) => i.name)).toContain(dockerName);
  expect(list.instances.map((i) => i.name)).not.toContain(podmanName);
  const podman = list.sources.find((source) => source.id === 'podman');
  expect(podman?.status).toBe(socketLeft ? 'unavailable' : 'absent');
  expect(list.sources.find((source) => source.id === 'docker')?.status).toBe('ok');
  if (socketLeft) expect(podman?.error?.code).toBe('backend-unavailable');

  // Asking Podman for something: backend-unavailable, with the engine named, and a non-zero exit.
  const manager = new ContainerManager(new EngineDiscovery(undefined));
  const refused: unknown = await manager.engine('podman').catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(NovaError);
  expect((refused as NovaError).code).toBe('backend-unavailable');
  expect((refused as NovaError).message).toMatch(/podman/i);

  const cli = await runNova(['container', 'stop', podmanName, '--engine', 'podman']);
  expect(cli.code).not.toBe(0);
  expect(cli.stderr).toMatch(/podman/i);

  // Docker still works as before.
  const inspect = await runNova(['container', 'inspect', dockerName, '--json']);
  expect(inspect.code).toBe(0);
  expect(inspect.stdout).toContain(dockerName);
}

describe('with Podman’s API service down', () => {
  it('stopped gracefully: Podman is absent, Docker’s containers stay listed and usable', async () => {
    await lab('engine', 'stop', 'podman');
    try {
      await expectPodmanDown(false);
    } finally {
      await lab('engine', 'start', 'podman');
    }
  }, 120_000);

  it('killed (its socket left behind): backend-unavailable for Podman, Docker’s containers stay listed', async () => {
    await lab('engine', 'stop', 'podman', '--kill');
    try {
      await expectPodmanDown(true);
    } finally {
      await lab('engine', 'start', 'podman');
    }
  }, 120_000);

  it('tells watchers that Podman is no longer live, and live again once it is back', async () => {
    const services = createNovaServices();
    const changes: InstanceChange[] = [];
    const stop = services.watchInstances((change) => changes.push(InstanceChange.parse(change)));
    const waitFor = async (what: string, check: (change: InstanceChange) => boolean, ms: number) => {
      const started = Date.now();
      while (!changes.some(check)) {
        if (Date.now() - started > ms) throw new Error(`no change saying ${what} within ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor('podman is live', (c) => c.source === 'podman' && c.live === true, 15_000);
      changes.length = 0;
      await lab('engine', 'stop', 'podman', '--kill');
      await waitFor('podman is not live', (c) => c.source === 'podman' && c.live === false, 15_000);
      // Docker's events still arrive meanwhile.
      await mustRun('docker', ['pause', dockerName]);
      await waitFor(
        'docker paused the container',
        (c) => c.source === 'docker' && c.name === dockerName && c.state === 'paused',
        5_000,
      );
      await mustRun('docker', ['unpause', dockerName]);
      changes.length = 0;
      await lab('engine', 'start', 'podman');
      await waitFor('podman is live again', (c) => c.source === 'podman' && c.live === true, 30_000);
    } finally {
      stop();
      services.close();
      await lab('engine', 'start', 'podman');
    }
  }, 180_000);
});
