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
  readonly #listeners = new Set<{ event: EventName; listener: (payload: unknown) => void }>();
  #unsubscribe: (() => void) | undefined;

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

  /**
   * Calls `listener` with each `event` main pushes (checked against the contract) until the returned
   * function is called. Every listener of the window shares one subscription (one WebSocket in browser
   * mode), open while anyone listens.
   */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const entry = { event: event, listener: listener as (payload: unknown) => void };
    this.#listeners.add(entry);
    this.#unsubscribe ??= this.transport.subscribe((name, payload) => {
      if (!isEventName(name)) return;
      let parsed: { success: boolean; data?: unknown } | undefined;
      for (const each of [...this.#listeners]) {
        if (each.event !== name) continue;
        parsed ??= events[name].safeParse(payload);
        if (parsed.success) each.listener(parsed.data);
      }
    });
    return () => {
      if (!this.#listeners.delete(entry) || this.#listeners.size > 0) return;
      const unsubscribe = this.#unsubscribe;
      this.#unsubscribe = undefined;
      unsubscribe?.();
    };
  }
}
