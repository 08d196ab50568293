// Schema-free names of ./templates.ts's channels and events, for the preload (kept equal at compile time).
export const TEMPLATES_CHANNEL_NAMES = [
  'templates.list',
  'templates.get',
  'templates.pools',
  'templates.deploy',
] as const;
export const TEMPLATES_EVENT_NAMES = ['templates.progress'] as const;
