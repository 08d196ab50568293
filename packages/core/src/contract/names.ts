// The contract's channel and event names alone, without schemas, for the preload (which must stay
// small). A unit test keeps these lists equal to the keys of `channels` and `events`.
import { METRICS_CHANNEL_NAMES, METRICS_EVENT_NAMES } from './features/metrics-names.js';
import { NETWORKS_CHANNEL_NAMES, NETWORKS_EVENT_NAMES } from './features/networks-names.js';
import { OVERVIEW_CHANNEL_NAMES, OVERVIEW_EVENT_NAMES } from './features/overview-names.js';
import { SUPPORT_CHANNEL_NAMES, SUPPORT_EVENT_NAMES } from './features/support-names.js';
import { TEMPLATES_CHANNEL_NAMES, TEMPLATES_EVENT_NAMES } from './features/templates-names.js';
import { TOPOLOGY_CHANNEL_NAMES, TOPOLOGY_EVENT_NAMES } from './features/topology-names.js';
import { WIZARD_CHANNEL_NAMES, WIZARD_EVENT_NAMES } from './features/wizard-names.js';

export const CHANNEL_NAME_LIST = [
  'instances.list',
  'system.version',
  ...OVERVIEW_CHANNEL_NAMES,
  ...METRICS_CHANNEL_NAMES,
  ...TOPOLOGY_CHANNEL_NAMES,
  ...WIZARD_CHANNEL_NAMES,
  ...NETWORKS_CHANNEL_NAMES,
  ...SUPPORT_CHANNEL_NAMES,
  ...TEMPLATES_CHANNEL_NAMES,
] as const;
export const EVENT_NAME_LIST = [
  'instances.changed',
  ...OVERVIEW_EVENT_NAMES,
  ...METRICS_EVENT_NAMES,
  ...TOPOLOGY_EVENT_NAMES,
  ...WIZARD_EVENT_NAMES,
  ...NETWORKS_EVENT_NAMES,
  ...SUPPORT_EVENT_NAMES,
  ...TEMPLATES_EVENT_NAMES,
] as const;

/** The Electron IPC channel carrying a contract channel; only main and preload use it. */
export const IPC_PREFIX = 'nova:';
export const IPC_EVENT_CHANNEL = 'nova:event';

/** The API the preload exposes as `window.nova`: nothing but the contract's calls and events. */
export interface NovaBridge {
  invoke(channel: string, input: unknown): Promise<unknown>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}
