// Schema-free names of ./metrics.ts's channels and events, for the preload (kept equal at compile time).
export const METRICS_CHANNEL_NAMES = ['metrics.watch', 'metrics.renew', 'metrics.unwatch'] as const;
export const METRICS_EVENT_NAMES = ['metrics.samples'] as const;
