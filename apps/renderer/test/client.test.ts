import { NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { NovaClient } from '../src/api/client.js';
import type { Transport } from '../src/api/transport.js';

// A transport double that answers with a fixed reply: this file tests the client's checks.
function transport(reply: unknown, events: [string, unknown][] = []): Transport {
  return {
    kind: 'browser',
    call: () => (reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply)),
    subscribe: (listener) => {
      for (const [event, payload] of events) listener(event, payload);
      return () => undefined;
    },
  };
}

describe('NovaClient', () => {
  it('returns the value of a successful reply', async () => {
    const client = new NovaClient(transport({ ok: true, value: { instances: [], sources: [] } }));
    await expect(client.call('instances.list', {})).resolves.toEqual({ instances: [], sources: [] });
  });

  it('throws the error of a failed reply as a NovaError with its code', async () => {
    const client = new NovaClient(
      transport({ ok: false, error: { code: 'not-authorized', message: 'refused' } }),
    );
    const error = await client.call('instances.list', {}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NovaError);
    expect(error).toMatchObject({ code: 'not-authorized', message: 'refused' });
  });

  it('refuses a reply that breaks the contract', async () => {
    const client = new NovaClient(
      transport({ ok: true, value: { instances: [{ kind: 'alien' }], sources: [] } }),
    );
    await expect(client.call('instances.list', {})).rejects.toMatchObject({ code: 'failed' });
  });

  it('turns a transport failure into backend-unavailable', async () => {
    const client = new NovaClient(transport(new Error('connection refused')));
    await expect(client.call('system.version', {})).rejects.toMatchObject({ code: 'backend-unavailable' });
  });

  it('delivers only well-formed events of the subscribed name', () => {
    const client = new NovaClient(
      transport(null, [
        ['instances.changed', { reason: 'domain started' }],
        ['instances.changed', { reason: 42 }],
        ['something.else', { reason: 'x' }],
      ]),
    );
    const seen: unknown[] = [];
    client.on('instances.changed', (payload) => seen.push(payload));
    expect(seen).toEqual([{ reason: 'domain started' }]);
  });

  it('shares one subscription among all listeners, open while anyone listens', () => {
    const state = {
      open: 0,
      subscribes: 0,
      push: undefined as ((event: string, payload: unknown) => void) | undefined,
    };
    const client = new NovaClient({
      kind: 'browser',
      call: () => Promise.resolve(null),
      subscribe: (listener) => {
        state.open++;
        state.subscribes++;
        state.push = listener;
        return () => {
          state.open--;
        };
      },
    });
    const changes: unknown[] = [];
    const topology: unknown[] = [];
    const stopChanges = client.on('instances.changed', (payload) => changes.push(payload));
    const stopTopology = client.on('topology.changed', (payload) => topology.push(payload));
    expect(state).toMatchObject({ open: 1, subscribes: 1 });
    state.push?.('instances.changed', { reason: 'libvirt: a paused' });
    state.push?.('topology.changed', { source: 'libvirt', name: 'lab', event: 'started' });
    expect(changes).toEqual([{ reason: 'libvirt: a paused' }]);
    expect(topology).toEqual([{ source: 'libvirt', name: 'lab', event: 'started' }]);
    stopChanges();
    stopChanges();
    expect(state.open).toBe(1);
    stopTopology();
    expect(state.open).toBe(0);
    client.on('instances.changed', () => undefined);
    expect(state).toMatchObject({ open: 1, subscribes: 2 });
  });
});
