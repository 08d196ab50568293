// Schema-free names of ./overview.ts's channels and events, for the preload (kept equal at compile time).
export const OVERVIEW_CHANNEL_NAMES = [] as const;
export const OVERVIEW_EVENT_NAMES = [] as const;
