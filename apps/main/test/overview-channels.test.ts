import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type InstanceLogLines, type LogEntry, NovaError } from '@nova/core';
import { type ContainerEngine, novaFileSection } from '@nova/core/node';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { BackendServices } from '../src/backend/backend.js';
import type { FeatureContext } from '../src/backend/features/feature.js';
import { overviewFeature } from '../src/backend/features/overview.js';
import { createLogFollows, MAX_BUFFERED_LINES, MAX_FOLLOWS } from '../src/backend/features/overview-logs.js';
import { type ChannelHandlers, createRouter } from '../src/backend/router.js';

const UUID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const OTHER_UUID = '7a2b3c4d-5e6f-4a70-8b8c-9d0e1f2a3b4c';
const GONE_UUID = '8b3c4d5e-6f70-4a81-9c9d-0e1f2a3b4c5d';
const CONTAINER = 'container/docker/0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef';

/** A double of Nova's services: what the overview calls, recorded. */
function services(engine: Partial<ContainerEngine> = {}) {
  const calls: [string, unknown][] = [];
  const helper = vi.fn((method: string, input: unknown) => {
    calls.push([method, input]);
    if (method === 'ListDomainFacts')
      return Promise.resolve({
        domains: [
          { uuid: UUID, name: 'web-vm', active: true, autostart: true, networks: ['default', 'br0'] },
          { uuid: OTHER_UUID, name: 'idle-vm', active: false, autostart: false, networks: ['lab'] },
        ],
      });
    if (method === 'GetDomainAddresses')
      return Promise.resolve({
        interfaces: [
          {
            name: 'vnet0',
            mac: '52:54:00:00:00:01',
            addresses: [{ type: 'ipv4', address: '192.168.122.9', prefix: 24 }],
          },
        ],
      });
    if (method === 'StartDomain')
      return Promise.reject(new NovaError('not-authorized', 'polkit refused dev.nova.vm.start to this user'));
    if (method === 'PauseDomain') return Promise.resolve({ state: 'paused' });
    return Promise.reject(new Error(`unexpected ${method}`));
  });
  const fullEngine = {
    engine: 'docker',
    endpoint: 'unix:///var/run/docker.sock',
    via: 'direct',
    pauseContainer: (target: unknown) => {
      calls.push(['pauseContainer', target]);
      return Promise.resolve();
    },
    inspectContainer: () => Promise.resolve({ state: 'paused' }),
    ...engine,
  } as unknown as ContainerEngine;
  const double = {
    helper,
    containers: { engine: () => Promise.resolve(fullEngine) },
  } as unknown as BackendServices;
  const published: InstanceLogLines[] = [];
  const context: FeatureContext = {
    services: double,
    publish: (_event, payload) => {
      published.push(payload as InstanceLogLines);
    },
    listenerCount: () => 1,
    listInstances: () => Promise.reject(new Error('the overview channels do not list')),
  };
  const feature = overviewFeature(context);
  const dispatch = createRouter(feature.handlers as unknown as ChannelHandlers);
  return { calls, dispatch, feature, published };
}

describe('the overview channels refuse bad input before anything runs', () => {
  const refused = [
    ['instances.action', { id: `vm/${UUID}`, action: 'start' }],
    ['instances.action', { id: `vm/${UUID}`, action: 'start', foreign: false, extra: 1 }],
    ['instances.action', { id: `vm/${UUID}`, action: 'format-disk', foreign: false }],
    ['instances.action', { id: 'vm/../../etc/passwd', action: 'start', foreign: false }],
    ['instances.action', { id: 'container/docker/web; rm -rf /', action: 'start', foreign: false }],
    ['instances.action', { id: 'container/lxc/0123456789ab', action: 'start', foreign: false }],
    ['instances.action', { id: `vm/${UUID}`, action: 'delete', foreign: false, removeDisks: 'yes' }],
    ['instances.facts', { ids: Array.from({ length: 501 }, () => `vm/${UUID}`) }],
    ['instances.facts', { ids: ['x'] }],
    ['instances.details', { id: `vm/${UUID}`, name: 'web' }],
    ['instances.logs', { id: CONTAINER, tail: 5001 }],
    ['instances.logs', { id: CONTAINER, tail: 0 }],
    ['instances.logs.follow', { id: CONTAINER, followId: 'a/b' }],
    ['instances.logs.follow', { id: CONTAINER, followId: 'x'.repeat(65) }],
    ['instances.logs.unfollow', { followId: 'short' }],
  ] as const;

  it.each(refused)('%s refuses %j', async (channel, input) => {
    const { calls, dispatch } = services();
    const reply = await dispatch(channel, input);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(calls).toEqual([]);
  });
});

describe('instances.action', () => {
  it('acts on a VM by its UUID in one helper call, with the foreign flag the GUI sends', async () => {
    const { calls, dispatch } = services();
    await expect(
      dispatch('instances.action', { id: `vm/${UUID}`, action: 'pause', foreign: true }),
    ).resolves.toEqual({
      ok: true,
      value: { state: 'paused' },
    });
    expect(calls).toEqual([['PauseDomain', { uuid: UUID, foreign: true }]]);
  });

  it('passes a polkit refusal back as data that names the action', async () => {
    const { dispatch } = services();
    await expect(
      dispatch('instances.action', { id: `vm/${UUID}`, action: 'start', foreign: true }),
    ).resolves.toEqual({
      ok: false,
      error: { code: 'not-authorized', message: 'polkit refused dev.nova.vm.start to this user' },
    });
  });

  it('acts on a container by engine and id, and answers its state afterwards', async () => {
    const { calls, dispatch } = services();
    await expect(
      dispatch('instances.action', { id: CONTAINER, action: 'pause', foreign: false }),
    ).resolves.toEqual({
      ok: true,
      value: { state: 'paused' },
    });
    expect(calls).toEqual([['pauseContainer', { container: CONTAINER.split('/')[2], foreign: false }]]);
  });
});

describe('instances.facts', () => {
  it('reads every VM’s networks and autostart in one helper call, and addresses only of VMs that run', async () => {
    const { calls, dispatch } = services();
    const reply = await dispatch('instances.facts', {
      ids: [`vm/${UUID}`, `vm/${OTHER_UUID}`, `vm/${GONE_UUID}`],
    });
    expect(reply).toEqual({
      ok: true,
      value: {
        facts: [
          {
            id: `vm/${UUID}`,
            autostart: true,
            networks: ['default', 'br0'],
            addresses: ['192.168.122.9'],
          },
          { id: `vm/${OTHER_UUID}`, autostart: false, networks: ['lab'], addresses: [] },
          { id: `vm/${GONE_UUID}`, networks: [], addresses: [], error: 'this VM is gone' },
        ],
      },
    });
    expect(calls).toEqual([
      ['ListDomainFacts', {}],
      ['GetDomainAddresses', { uuid: UUID, source: 'lease' }],
    ]);
  });
});

describe('following container logs', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** An engine whose followLogs hands its line callback to the test and runs until aborted. */
  function followingEngine() {
    const state = { emit: undefined as ((entry: LogEntry) => void) | undefined, aborted: 0 };
    const followLogs = (
      _ref: string,
      _options: unknown,
      onEntry: (entry: LogEntry) => void,
      signal: AbortSignal,
    ) => {
      state.emit = onEntry;
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          state.aborted++;
          resolve();
        });
      });
    };
    const engine = { followLogs };
    return { state, followLogs, engine: engine as unknown as ContainerEngine };
  }

  it('sends lines in bounded batches, counts what it had to drop, and ends when asked', async () => {
    vi.useFakeTimers();
    const { state, engine } = followingEngine();
    const sent: InstanceLogLines[] = [];
    const follows = createLogFollows({ engine: () => Promise.resolve(engine) }, (lines) => sent.push(lines));
    await follows.follow(CONTAINER, 'follow-0001', false);
    for (let i = 0; i < MAX_BUFFERED_LINES + 700; i++) state.emit?.({ stream: 'stdout', text: `line ${i}` });
    state.emit?.({ stream: 'stdout', text: 'x'.repeat(20_000) });
    await vi.advanceTimersByTimeAsync(250);
    expect(sent.every((batch) => batch.entries.length <= 500)).toBe(true);
    expect(sent.reduce((sum, batch) => sum + batch.entries.length, 0)).toBe(MAX_BUFFERED_LINES);
    expect(sent[0]?.dropped).toBe(701);
    expect(sent.at(-1)?.entries.at(-1)?.text.length).toBeLessThan(9000);
    expect(follows.unfollow('follow-0001')).toBe(true);
    expect(state.aborted).toBe(1);
    expect(sent.at(-1)).toMatchObject({ followId: 'follow-0001', ended: true });
    expect(follows.unfollow('follow-0001')).toBe(false);
  });

  it('follows at most a few logs at once, and stops them all when no window listens', async () => {
    const { state, engine } = followingEngine();
    const follows = createLogFollows({ engine: () => Promise.resolve(engine) }, () => undefined);
    for (let i = 0; i < MAX_FOLLOWS; i++) await follows.follow(CONTAINER, `follow-${1000 + i}`, false);
    await expect(follows.follow(CONTAINER, 'follow-9999', false)).rejects.toMatchObject({ code: 'conflict' });
    follows.stopAll();
    expect(state.aborted).toBe(MAX_FOLLOWS);
    expect(follows.count()).toBe(0);
  });

  it('publishes the lines of a follow started through the channel, and stops it with the last window', async () => {
    const { state, followLogs } = followingEngine();
    const { dispatch, feature, published } = services({ followLogs });
    await expect(
      dispatch('instances.logs.follow', { id: CONTAINER, followId: 'follow-abcd' }),
    ).resolves.toEqual({
      ok: true,
      value: { followId: 'follow-abcd' },
    });
    state.emit?.({ stream: 'stderr', text: 'hello' });
    feature.onNoListener?.();
    expect(state.aborted).toBe(1);
    expect(published).toEqual([
      { followId: 'follow-abcd', entries: [{ stream: 'stderr', text: 'hello' }], ended: true },
    ]);
  });

  it('refuses to follow a VM', async () => {
    const { dispatch } = services();
    await expect(
      dispatch('instances.logs.follow', { id: `vm/${UUID}`, followId: 'follow-abcd' }),
    ).resolves.toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });
});

describe('the NovaFile section of an instance', () => {
  const file = [
    'project = "lab"',
    '',
    '[vm.web]',
    'memory = "1G"',
    '',
    '[vm.web.disk]',
    'size = "10G"',
    '',
    '[vm.webber]',
    'memory = "2G"',
    '',
    '[container."db"]',
    'image = "postgres"',
    '',
  ].join('\n');

  it('takes the table and its sub-tables, not a table whose name only starts the same', () => {
    expect(novaFileSection(file, 'vm', 'web')).toBe('[vm.web]\nmemory = "1G"\n\n[vm.web.disk]\nsize = "10G"');
    expect(novaFileSection(file, 'container', 'db')).toBe('[container."db"]\nimage = "postgres"');
    expect(novaFileSection(file, 'vm', 'db')).toBeUndefined();
    expect(novaFileSection(file, 'vm', 'we.b')).toBeUndefined();
  });

  it('shows the section in a VM’s details only when the NovaFile is the VM’s project’s', async () => {
    const { novaFileEntry } = await import('@nova/core/node');
    const dir = mkdtempSync(join(tmpdir(), 'nova-overview-'));
    const path = join(dir, 'NovaFile');
    writeFileSync(path, 'project = "lab"\n\n[vm.web]\nmemory = "1G"\n');
    const warnings: string[] = [];
    await expect(novaFileEntry(path, { project: 'lab', name: 'web' }, 'vm', warnings)).resolves.toEqual({
      path,
      project: 'lab',
      name: 'web',
      section: '[vm.web]\nmemory = "1G"',
    });
    await expect(
      novaFileEntry(path, { project: 'other', name: 'web' }, 'vm', warnings),
    ).resolves.toBeUndefined();
    await expect(
      novaFileEntry(join(dir, 'missing'), { project: 'lab', name: 'web' }, 'vm', warnings),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });
});
