import type { EventName, EventPayload } from '@nova/core';
import type { NovaServices } from '@nova/core/node';

import { type ChannelHandlers, createRouter, type Dispatch } from './router.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** Main's backend: the contract's channels bound to Nova's managers, plus one stream of events. */
export interface Backend {
  dispatch: Dispatch;
  subscribe(listener: EventListener): () => void;
  publish<E extends EventName>(event: E, payload: EventPayload<E>): void;
  close(): void;
}

export function createBackend(services: NovaServices): Backend {
  const handlers: ChannelHandlers = {
    'instances.list': () => services.instances.list(),
    'system.version': () => services.version(),
  };
  const listeners = new Set<EventListener>();
  return {
    dispatch: createRouter(handlers),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(event, payload) {
      for (const listener of listeners) listener(event, payload);
    },
    close() {
      listeners.clear();
      services.close();
    },
  };
}
