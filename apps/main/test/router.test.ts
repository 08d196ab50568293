import { NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { type ChannelHandlers, createRouter } from '../src/backend/router.js';

const version = { nova: '0.1.0', node: 'v20', components: [] };

// Only the channels these tests call; the features' channels have their own tests.
function handlers(overrides: Partial<ChannelHandlers> = {}): ChannelHandlers {
  return {
    'instances.list': () => Promise.resolve({ instances: [], sources: [] }),
    'system.version': () => Promise.resolve(version),
    ...overrides,
  } as ChannelHandlers;
}

describe('createRouter', () => {
  it('answers a known channel with its handler’s value', async () => {
    const dispatch = createRouter(handlers());
    await expect(dispatch('system.version', {})).resolves.toEqual({ ok: true, value: version });
  });

  it('refuses a channel the contract does not declare', async () => {
    const dispatch = createRouter(handlers());
    await expect(dispatch('shell.exec', {})).resolves.toEqual({
      ok: false,
      error: { code: 'invalid-input', message: 'unknown channel "shell.exec"' },
    });
    await expect(dispatch('__proto__', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
  });

  it('refuses input that does not match the channel’s schema, before the handler runs', async () => {
    let ran = false;
    const dispatch = createRouter(
      handlers({
        'instances.list': () => {
          ran = true;
          return Promise.resolve({ instances: [], sources: [] });
        },
      }),
    );
    await expect(dispatch('instances.list', { all: true })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    await expect(dispatch('instances.list', 'text')).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid-input' },
    });
    expect(ran).toBe(false);
  });

  it('returns a handler’s error as data with its code', async () => {
    const dispatch = createRouter(
      handlers({
        'instances.list': () => Promise.reject(new NovaError('not-authorized', 'polkit refused', 'ask')),
      }),
    );
    await expect(dispatch('instances.list', {})).resolves.toEqual({
      ok: false,
      error: { code: 'not-authorized', message: 'polkit refused', detail: 'ask' },
    });
  });

  it('does not pass on a reply that breaks the contract', async () => {
    const dispatch = createRouter(
      handlers({ 'system.version': () => Promise.resolve({ nova: 1 } as never) }),
    );
    await expect(dispatch('system.version', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'failed' },
    });
  });
});
