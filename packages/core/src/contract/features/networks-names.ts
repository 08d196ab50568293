// Schema-free names of ./networks.ts's channels and events, for the preload (kept equal at compile time).
export const NETWORKS_CHANNEL_NAMES = [
  'networks.list',
  'networks.create',
  'networks.delete',
  'networks.start',
  'networks.stop',
  'networks.autostart',
  'networks.attach',
  'networks.detach',
] as const;
export const NETWORKS_EVENT_NAMES = [] as const;
