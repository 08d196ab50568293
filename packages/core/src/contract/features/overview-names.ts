// Schema-free names of ./overview.ts's channels and events, for the preload (kept equal at compile time).
export const OVERVIEW_CHANNEL_NAMES = [
  'instances.action',
  'instances.facts',
  'instances.details',
  'instances.logs',
  'instances.logs.follow',
  'instances.logs.unfollow',
] as const;
export const OVERVIEW_EVENT_NAMES = ['instances.logs.lines'] as const;
