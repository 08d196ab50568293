// Schema-free names of ./support.ts's channels and events, for the preload (kept equal at compile time).
export const SUPPORT_CHANNEL_NAMES = ['diag.run', 'support.bundle', 'support.download'] as const;
export const SUPPORT_EVENT_NAMES = ['support.progress'] as const;
