import type { ChannelName, EventName, EventPayload, InstanceList } from '@nova/core';
import type { NovaServices } from '@nova/core/node';

import type { ChannelHandlers } from '../router.js';

/** What a feature of the backend gets: Nova's services and the event stream to the windows. */
export interface FeatureContext {
  services: NovaServices;
  /** Sends an event to every window (checked against the contract first). */
  publish<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** How many windows (Electron, browser-mode sockets) listen now. */
  listenerCount(): number;
  /**
   * Every instance, as `instances.list` answers it: the list the backend keeps up to date while windows
   * listen (only sources that changed are asked again), a fresh listing otherwise.
   */
  listInstances(): Promise<InstanceList>;
}

/** One feature's channels, and hooks for when windows come and go. */
export interface BackendFeature<C extends ChannelName> {
  handlers: Pick<ChannelHandlers, C>;
  /** The first window started listening. */
  onFirstListener?(): void;
  /** The last window stopped listening: stop whatever runs only for windows. */
  onNoListener?(): void;
  close?(): void;
}
