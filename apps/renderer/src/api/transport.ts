import {
  BROWSER_EVENTS_PATH,
  type ChannelInput,
  type ChannelName,
  decodeBrowserEvent,
  type NovaBridge,
} from '@nova/core';

import { postCall } from './http-call.js';

/** How the renderer reaches main: Electron's preload bridge, or HTTP + WebSocket in browser mode. */
export interface Transport {
  readonly kind: 'electron' | 'browser';
  /** The raw reply (a `Result`), which the client checks against the contract. */
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<unknown>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

/**
 * Calls src/early.ts started before the app's bundle ran, by channel (input `{}`): Electron's raw
 * replies, or browser mode's HTTP responses. Each is taken once, by the first call of its channel.
 */
export type EarlyCalls = Map<ChannelName, Promise<unknown>>;

function takeEarly(channel: ChannelName, input: unknown): Promise<unknown> | undefined {
  const early = window.novaEarly;
  const pending = early?.get(channel);
  if (early === undefined || pending === undefined) return undefined;
  early.delete(channel);
  const empty = typeof input === 'object' && input !== null && Object.keys(input).length === 0;
  return empty ? pending : undefined;
}

function electronTransport(bridge: NovaBridge): Transport {
  return {
    kind: 'electron',
    call: (channel, input) => takeEarly(channel, input) ?? bridge.invoke(channel, input),
    subscribe: (listener) => bridge.subscribe(listener),
  };
}

/** Browser mode: the launch token travels as an HttpOnly cookie the page itself never sees. */
function browserTransport(location: Location = window.location): Transport {
  return {
    kind: 'browser',
    async call(channel, input) {
      const early = takeEarly(channel, input) as Promise<Response> | undefined;
      const response = await (early ?? postCall(channel, JSON.stringify(input)));
      if (response.status === 401) {
        return {
          ok: false,
          error: {
            code: 'not-authorized',
            message: 'This page is not authorized: open Nova with the URL it printed when it started.',
          },
        };
      }
      return (await response.json()) as unknown;
    },
    subscribe(listener) {
      let socket: WebSocket | undefined;
      let closed = false;
      let retryMs = 500;
      const connect = (): void => {
        const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
        socket = new WebSocket(`${scheme}//${location.host}${BROWSER_EVENTS_PATH}`);
        socket.onopen = () => {
          retryMs = 500;
        };
        socket.onmessage = (message: MessageEvent<string>) => {
          // Anything that is not an event message is not ours: ignored.
          const data = decodeBrowserEvent(message.data);
          if (data !== undefined) listener(data.event, data.payload);
        };
        socket.onclose = () => {
          if (closed) return;
          setTimeout(connect, retryMs);
          retryMs = Math.min(retryMs * 2, 10_000);
        };
      };
      connect();
      return () => {
        closed = true;
        socket?.close();
      };
    },
  };
}

declare global {
  interface Window {
    nova?: NovaBridge;
    novaEarly?: EarlyCalls;
  }
}

export function defaultTransport(): Transport {
  return window.nova === undefined ? browserTransport() : electronTransport(window.nova);
}
