import {
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  channels,
  describeZodError,
  type EventName,
  type EventPayload,
  events,
  isEventName,
  NovaError,
  resultSchema,
} from '@nova/core';

import type { Transport } from './transport.js';

/** The renderer's typed view of the contract. Replies are checked against it like any other input. */
export class NovaClient {
  constructor(private readonly transport: Transport) {}

  get mode(): Transport['kind'] {
    return this.transport.kind;
  }

  async call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
    let raw: unknown;
    try {
      raw = await this.transport.call(channel, input);
    } catch (err) {
      throw new NovaError(
        'backend-unavailable',
        `Nova's backend did not answer: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const reply = resultSchema(channels[channel].output).safeParse(raw);
    if (!reply.success) {
      throw new NovaError(
        'failed',
        `Nova's backend sent a malformed reply to ${channel}: ${describeZodError(reply.error)}`,
      );
    }
    if (!reply.data.ok) throw NovaError.fromData(reply.data.error);
    return reply.data.value as ChannelOutput<C>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.transport.subscribe((name, payload) => {
      if (name !== event || !isEventName(name)) return;
      const parsed = events[event].safeParse(payload);
      if (parsed.success) listener(parsed.data as EventPayload<E>);
    });
  }
}
