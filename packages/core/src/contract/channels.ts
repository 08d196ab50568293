import { z } from 'zod';

import { VersionReport } from '../model/host.js';
import { InstanceChange, InstanceList } from '../model/instance.js';
import { metricsChannels, metricsEvents } from './features/metrics.js';
import { networksChannels, networksEvents } from './features/networks.js';
import { overviewChannels, overviewEvents } from './features/overview.js';
import { supportChannels, supportEvents } from './features/support.js';
import { templatesChannels, templatesEvents } from './features/templates.js';
import { topologyChannels, topologyEvents } from './features/topology.js';
import { wizardChannels, wizardEvents } from './features/wizard.js';

/**
 * Every renderer↔main call, declared once: its name is its key here, and nothing else lists it. The
 * preload API's types, the Electron router, the browser-mode transport and the renderer client are all
 * derived from this table (names as `keyof` for the compiler, `Object.keys` at run time).
 */
export const channels = {
  'instances.list': {
    summary: 'Every instance (VMs and containers) with kind, name, state and origin',
    input: z.object({}).strict(),
    output: InstanceList,
  },
  'system.version': {
    summary: 'Nova’s version and whether libvirt, KVM, the helper and each container engine are reachable',
    input: z.object({}).strict(),
    output: VersionReport,
  },
  ...overviewChannels,
  ...metricsChannels,
  ...topologyChannels,
  ...wizardChannels,
  ...networksChannels,
  ...supportChannels,
  ...templatesChannels,
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

/** Events main pushes to the renderer. */
export const events = {
  /** An instance or a source changed outside the renderer's view (engine events, libvirt signals). */
  'instances.changed': InstanceChange,
  ...overviewEvents,
  ...metricsEvents,
  ...topologyEvents,
  ...wizardEvents,
  ...networksEvents,
  ...supportEvents,
  ...templatesEvents,
} as const satisfies Record<string, z.ZodType>;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Channels[C]['output']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const CHANNEL_NAMES = Object.keys(channels) as ChannelName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isChannelName(name: string): name is ChannelName {
  return Object.hasOwn(channels, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}
