// The gallery's stack deploy store against a backend double: it follows only its own run's progress,
// keeps the result, and keeps a failure's error data for the page to show in place.
import { describe, expect, it } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';
import { createStackDeployStore } from '../src/stores/templates.js';

const RESULT = {
  template: 'tiny-stack',
  name: 'shop',
  file: '/lab/NovaFile',
  sections: ['network.shop-net', 'container.shop-app'],
  consentedTo: [],
  applied: true,
  done: ['create container shop-app'],
  left: 0,
  instanceIds: ['container/docker/abc'],
};

// A backend double: during templates.deploy it sends progress of this run and of another window's run.
function backend(outcome: 'ok' | 'fail') {
  let listener: ((event: string, payload: unknown) => void) | undefined;
  const inputs: unknown[] = [];
  const transport: Transport = {
    kind: 'browser',
    call: (channel, input) => {
      expect(channel).toBe('templates.deploy');
      inputs.push(input);
      const { runId } = input as { runId: string };
      listener?.('templates.progress', { runId, message: 'create container shop-app', status: 'done' });
      listener?.('templates.progress', { runId: 'someone-else', message: 'not mine', status: 'info' });
      return Promise.resolve(
        outcome === 'ok'
          ? { ok: true, value: RESULT }
          : {
              ok: false,
              error: { code: 'conflict', message: 'the stack cannot be planned', detail: 'taken out again' },
            },
      );
    },
    subscribe: (next) => {
      listener = next;
      return () => {
        listener = undefined;
      };
    },
  };
  return { client: new NovaClient(transport), inputs };
}

describe('createStackDeployStore', () => {
  it('sends the deploy with a run id, follows only that run’s progress and keeps the result', async () => {
    const fake = backend('ok');
    const store = createStackDeployStore(fake.client);
    const result = await store
      .getState()
      .deploy({ id: 'tiny-stack', name: 'shop', consent: [], apply: true });
    expect(result).toEqual(RESULT);
    expect(fake.inputs[0]).toMatchObject({ id: 'tiny-stack', name: 'shop', consent: [], apply: true });
    const state = store.getState();
    expect(state.status).toBe('done');
    expect(state.progress.map((line) => line.message)).toEqual(['create container shop-app']);
  });

  it('keeps a failure’s message and detail', async () => {
    const store = createStackDeployStore(backend('fail').client);
    expect(await store.getState().deploy({ id: 'tiny-stack', name: 'shop', consent: [], apply: true })).toBe(
      undefined,
    );
    expect(store.getState()).toMatchObject({
      status: 'failed',
      error: { code: 'conflict', message: 'the stack cannot be planned', detail: 'taken out again' },
    });
  });
});
