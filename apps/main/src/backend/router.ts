import {
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  channels,
  describeZodError,
  isChannelName,
  type Result,
  toErrorData,
} from '@nova/core';

export type ChannelHandlers = {
  [C in ChannelName]: (input: ChannelInput<C>) => Promise<ChannelOutput<C>>;
};

export type Dispatch = (channel: string, input: unknown) => Promise<Result<unknown>>;

/**
 * Binds each contract channel to its handler. Every transport (Electron IPC, browser mode) goes
 * through here: the channel must exist, the input must match its schema, and errors come back as data.
 */
export function createRouter(handlers: ChannelHandlers): Dispatch {
  return async (channel, input) => {
    if (!isChannelName(channel)) {
      return { ok: false, error: { code: 'invalid-input', message: `unknown channel "${channel}"` } };
    }
    const spec = channels[channel];
    const parsed = spec.input.safeParse(input);
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid-input', message: `${channel}: ${describeZodError(parsed.error)}` },
      };
    }
    try {
      const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
      const output = spec.output.safeParse(await handler(parsed.data));
      if (!output.success) {
        return {
          ok: false,
          error: {
            code: 'failed',
            message: `${channel} produced an invalid reply: ${describeZodError(output.error)}`,
          },
        };
      }
      return { ok: true, value: output.data };
    } catch (err) {
      return { ok: false, error: toErrorData(err) };
    }
  };
}
