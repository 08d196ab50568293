// Schema-free names of ./topology.ts's channels and events, for the preload (kept equal at compile time).
export const TOPOLOGY_CHANNEL_NAMES = ['topology.get'] as const;
export const TOPOLOGY_EVENT_NAMES = ['topology.changed'] as const;
