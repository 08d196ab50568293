// Containers of a root-owned engine put on its networks and taken off, through Nova's helper, as a user
// who may not open the engine's socket: `nova network attach|detach` run as nova-granted (NetworkService
// over HelperEngine), the helper's own checks called directly (no client-side checks first), and
// nova-denied refused by polkit with the action named. Real helper, polkit, Docker and Podman.
import { join } from 'node:path';

import { type ErrorCode, ManagedNetwork } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bundleForUsers, runBundleAs } from '../support/as-user.js';
import {
  containerSpec,
  DENIED_USER,
  GRANTED_USER,
  mustRun,
  readJson,
  REPO_ROOT,
  requireLab,
  run,
  runNova,
  startContainer,
  uniqueName,
} from '../support/lab.js';

type EngineCli = 'docker' | 'podman';
type Outcome =
  { ok: true; value: unknown } | { ok: false; error: { code: ErrorCode; message: string; detail?: string } };

const DRIVER = join(REPO_ROOT, 'e2e/support/helper-engine-driver.ts');
let driver = '';

/** One HelperEngine method (`engine`) or one helper method (`call`), run as `user`. */
async function asUser(user: string, cli: EngineCli, args: string[]): Promise<Outcome> {
  const result = await runBundleAs(user, driver, [cli, ...args]);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Outcome;
  } catch {
    throw new Error(`the driver said no JSON (exit ${result.code}): ${result.stdout} ${result.stderr}`);
  }
}

const call = (user: string, cli: EngineCli, method: string, input: object) =>
  asUser(user, cli, ['call', method, JSON.stringify(input)]);

function expectOk(outcome: Outcome): void {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
}

function expectRefused(outcome: Outcome, code: ErrorCode, message: RegExp): void {
  if (outcome.ok) throw new Error(`expected ${code}, but it succeeded`);
  expect(outcome.error.code, outcome.error.message).toBe(code);
  expect(outcome.error.message).toMatch(message);
}

/** The names of the networks the engine says the container is on. */
async function networksOf(cli: EngineCli, container: string): Promise<string[]> {
  const json = await mustRun(cli, ['inspect', '--format', '{{json .NetworkSettings.Networks}}', container]);
  return Object.keys(JSON.parse(json) as Record<string, unknown>);
}

describe.each(['docker', 'podman'] as const)(
  '%s containers on engine networks through Nova’s helper',
  (cli) => {
    const network = uniqueName(`${cli}-hn-net`);
    const container = uniqueName(`${cli}-hn`);
    const foreign = uniqueName(`${cli}-hn-foreign`);

    beforeAll(async () => {
      requireLab();
      driver = await bundleForUsers(DRIVER);
      // The network is the engine's own kind of thing, made outside Nova: any of its networks may be joined.
      await mustRun(cli, ['network', 'create', network]);
      // A container of Nova's, made by the user through the helper; another that Nova did not make.
      expectOk(
        await asUser(GRANTED_USER, cli, ['createContainer', JSON.stringify([containerSpec(container)])]),
      );
      expectOk(await asUser(GRANTED_USER, cli, ['startContainer', JSON.stringify([{ container }])]));
      await startContainer(foreign, cli);
    });

    afterAll(async () => {
      for (const name of [container, foreign]) await run(cli, ['rm', '-f', name]);
      await run(cli, ['network', 'rm', network]);
    });

    it('cannot open the engine’s socket itself: the changes below go through the helper', async () => {
      const socket = cli === 'docker' ? '/var/run/docker.sock' : '/run/podman/podman.sock';
      expect((await run('runuser', ['-u', GRANTED_USER, '--', 'test', '-w', socket])).code).not.toBe(0);
    });

    it('puts the user’s container on the network with `nova network attach` and takes it off again', async () => {
      const attached = await runNova(['network', 'attach', network, container, '--kind', cli], {
        user: GRANTED_USER,
      });
      expect(attached.code, attached.stderr).toBe(0);
      expect(attached.stdout).toContain(`Container "${container}" is on ${cli} network "${network}"`);
      expect(await networksOf(cli, container)).toContain(network);
      const seen = await runNova(['network', 'inspect', network, '--kind', cli, '--json'], {
        user: GRANTED_USER,
      });
      expect(seen.code, seen.stderr).toBe(0);
      expect(readJson(seen.stdout, ManagedNetwork).members).toContainEqual(
        expect.objectContaining({ kind: 'container', name: container, engine: cli }),
      );

      // Joining twice is refused by name, and changes nothing.
      const twice = await runNova(['network', 'attach', network, container, '--kind', cli], {
        user: GRANTED_USER,
      });
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain(`container ${container} is on ${cli} network "${network}" already`);

      const detached = await runNova(['network', 'detach', network, container, '--kind', cli], {
        user: GRANTED_USER,
      });
      expect(detached.code, detached.stderr).toBe(0);
      expect(await networksOf(cli, container)).not.toContain(network);
    });

    it('checks in the helper what the client checks: others’ containers only with foreign, networks that exist', async () => {
      const target = { engine: cli, network, container: foreign };
      expectRefused(
        await call(GRANTED_USER, cli, 'ConnectContainerNetwork', target),
        'conflict',
        /was not created by Nova/,
      );
      expect(await networksOf(cli, foreign)).not.toContain(network);

      expectOk(await call(GRANTED_USER, cli, 'ConnectContainerNetwork', { ...target, foreign: true }));
      expect(await networksOf(cli, foreign)).toContain(network);
      expectRefused(
        await call(GRANTED_USER, cli, 'DisconnectContainerNetwork', target),
        'conflict',
        /was not created by Nova/,
      );
      expectOk(await call(GRANTED_USER, cli, 'DisconnectContainerNetwork', { ...target, foreign: true }));
      expect(await networksOf(cli, foreign)).not.toContain(network);

      expectRefused(
        await call(GRANTED_USER, cli, 'ConnectContainerNetwork', {
          ...target,
          network: `${network}-none`,
          container,
        }),
        'not-found',
        new RegExp(`${cli} has no network "${network}-none"`),
      );
      expectRefused(
        await call(GRANTED_USER, cli, 'DisconnectContainerNetwork', { ...target, container }),
        'not-found',
        /is not on/,
      );
      // A network name that is no name is refused before the engine is asked.
      expectRefused(
        await call(GRANTED_USER, cli, 'ConnectContainerNetwork', {
          ...target,
          network: '../host',
          container,
        }),
        'invalid-input',
        /network/,
      );
    });

    it('refuses a user polkit does not grant, naming the action, and changes nothing', async () => {
      expectRefused(
        await asUser(DENIED_USER, cli, ['connectNetwork', JSON.stringify([network, { container }])]),
        'not-authorized',
        /dev\.nova\.container\.network-connect/,
      );
      expect(await networksOf(cli, container)).not.toContain(network);

      await mustRun(cli, ['network', 'connect', network, container]);
      expectRefused(
        await asUser(DENIED_USER, cli, ['disconnectNetwork', JSON.stringify([network, { container }])]),
        'not-authorized',
        /dev\.nova\.container\.network-disconnect/,
      );
      expect(await networksOf(cli, container)).toContain(network);
      // The granted user's HelperEngine takes it off.
      expectOk(
        await asUser(GRANTED_USER, cli, ['disconnectNetwork', JSON.stringify([network, { container }])]),
      );
      expect(await networksOf(cli, container)).not.toContain(network);
    });
  },
);
