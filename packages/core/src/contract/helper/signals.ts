// The helper's signals, and the methods by which a client starts and stops receiving them.
import { z } from 'zod';

import { ContainerEvent, ImageProgress } from '../container-types.js';
import {
  BackendChanged,
  DomainChanged,
  HostLinkChanged,
  NetworkChanged,
  RelayedEngine,
} from '../helper-types.js';
import { Empty } from './inputs.js';
import { helperMethod } from './method.js';

/** The helper's signals, sent only to subscribed clients (unicast), each one JSON string. */
export const helperSignals = {
  DomainChanged,
  NetworkChanged,
  HostLinkChanged,
  BackendChanged,
  ContainerChanged: ContainerEvent,
  /** Sent only to the caller of PullImage, while it runs. */
  ImageProgress: z.object({ engine: RelayedEngine, reference: z.string(), progress: ImageProgress }),
} as const satisfies Record<string, z.ZodType>;

export type HelperSignals = typeof helperSignals;
export type HelperSignalName = keyof HelperSignals;
export type HelperSignalPayload<S extends HelperSignalName> = z.output<HelperSignals[S]>;

export function isHelperSignalName(name: string): name is HelperSignalName {
  return Object.hasOwn(helperSignals, name);
}

/** Subscribing to the signals above, and unsubscribing. */
export const eventMethods = {
  Subscribe: helperMethod({
    action: 'dev.nova.events.read',
    summary:
      'Receive the helper’s signals (DomainChanged, NetworkChanged, HostLinkChanged, BackendChanged, ContainerChanged) until Unsubscribe or disconnect',
    input: Empty,
    output: z.object({ subscribers: z.number().int() }),
  }),
  Unsubscribe: helperMethod({
    action: 'dev.nova.events.read',
    summary: 'Stop receiving the helper’s signals',
    input: Empty,
    output: Empty,
  }),
};
