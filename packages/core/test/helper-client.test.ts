import { EventEmitter } from 'node:events';

import { DBusError, type Message, type MessageBus } from 'dbus-next';
import { describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import { HelperCallError, HelperClient } from '../src/helper-client/helper-client.js';

/** A fake of the system bus connection: keeps what is sent and answers with `reply`. */
class FakeBus extends EventEmitter {
  readonly sent: Message[] = [];
  constructor(private readonly reply: (message: Message) => Promise<unknown[]>) {
    super();
  }
  async call(message: Message): Promise<{ body: unknown[] }> {
    this.sent.push(message);
    return { body: await this.reply(message) };
  }
}

function client(reply: (message: Message) => Promise<unknown[]>): { client: HelperClient; bus: FakeBus } {
  const bus = new FakeBus(reply);
  return { client: new HelperClient(bus as unknown as MessageBus), bus };
}

const ok = () => Promise.resolve(['{}']);

describe('helper calls carry a call id', () => {
  it('sends the request and a fresh random call id as two strings, a new one for each call', async () => {
    const { client: helper, bus } = client(ok);
    await helper.call('Unsubscribe', {});
    await helper.call('Unsubscribe', {});
    expect(bus.sent.map((message) => message.signature)).toEqual(['ss', 'ss']);
    const [first, second] = bus.sent.map((message) => message.body as [string, string]);
    expect(first?.[0]).toBe('{}');
    expect(first?.[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second?.[1]).not.toBe(first?.[1]);
  });

  it('sends the call id the caller chose', async () => {
    const { client: helper, bus } = client(ok);
    await helper.call('Unsubscribe', {}, { callId: 'test.run-1_a' });
    expect(bus.sent[0]?.body).toEqual(['{}', 'test.run-1_a']);
  });

  it('raises the helper’s error with its code, hint and the call’s id', async () => {
    const { client: helper } = client(() =>
      Promise.reject(
        new DBusError('dev.nova.Helper1.Error.NotFound', 'there is no VM named "x"', {
          body: ['there is no VM named "x"', 'nova list shows them'],
        }),
      ),
    );
    const error = await helper
      .call('StartDomain', { name: 'x' }, { callId: 'mine-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelperCallError);
    expect(error).toBeInstanceOf(NovaError);
    expect(error).toMatchObject({
      code: 'not-found',
      message: 'there is no VM named "x"',
      detail: 'nova list shows them',
      method: 'StartDomain',
      callId: 'mine-1',
    });
  });

  it('gives its own errors the call id too (a reply that breaks the contract)', async () => {
    const { client: helper } = client(() => Promise.resolve(['{"subscribers":"many"}']));
    const error = await helper.call('Subscribe', {}, { callId: 'sub-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'failed', callId: 'sub-1' });
  });

  it('refuses a call id that is not a short token without sending anything, naming callId', async () => {
    const { client: helper, bus } = client(ok);
    for (const callId of ['', 'a b', '$(id)', 'x'.repeat(65)]) {
      const error = await helper.call('Unsubscribe', {}, { callId }).catch((e: unknown) => e);
      expect(error, callId).toMatchObject({ code: 'invalid-input' });
      expect((error as Error).message, callId).toMatch(/^Unsubscribe: callId: not a call id/);
    }
    expect(bus.sent).toEqual([]);
  });
});
