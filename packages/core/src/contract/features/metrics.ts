// The desktop app's metrics channels and events. Spread into `channels` and `events`
// (contract/channels.ts).
//
// A window asks for what it shows (`metrics.watch`), gets the buffers' contents and a subscription
// with a lease, and then deltas (`metrics.samples`) once a step. It renews the lease while it shows
// them; a window that closes or crashes stops renewing, and sampling stops when no one is left.
import { z } from 'zod';

/** How far back a chart looks: 15 min at 1 s, 1 h at 10 s, 24 h at 1 min. */
export const MetricsWindow = z.enum(['15m', '1h', '24h']);
export type MetricsWindow = z.infer<typeof MetricsWindow>;

/** The step of each window's points, ms. */
export const METRICS_WINDOW_STEP_MS: Record<MetricsWindow, number> = {
  '15m': 1_000,
  '1h': 10_000,
  '24h': 60_000,
};

/** At most this many instances named in one subscription (more: ask for 'all'). */
export const METRICS_MAX_INSTANCES = 256;

/** An instance id as instances.list gives it: `vm/<uuid>` or `container/<engine>/<id>`. */
export const MetricsInstanceId = z
  .string()
  .max(200)
  .regex(/^(vm\/[0-9a-f-]{36}|container\/[a-z]{1,16}\/[A-Za-z0-9._-]{1,128})$/, 'an instance id');

const Figure = z.number().nonnegative();

/**
 * One point of one series: `t` is the start of its step (ms since the epoch). CPU is in percent of one
 * core for an instance (two busy vCPUs: 200) and of all cores for the host; memory in bytes (the
 * host's and a VM's size in memoryTotalBytes); disk and network in bytes per second.
 */
export const MetricPointSchema = z
  .object({
    t: z.number().int().nonnegative(),
    cpuPercent: Figure.optional(),
    memoryBytes: Figure.optional(),
    memoryTotalBytes: Figure.optional(),
    diskReadBps: Figure.optional(),
    diskWriteBps: Figure.optional(),
    netRxBps: Figure.optional(),
    netTxBps: Figure.optional(),
  })
  .strict();
export type MetricPointData = z.infer<typeof MetricPointSchema>;

/** One series: 'host' or an instance id. */
export const MetricsSeries = z.object({
  id: z.string(),
  points: z.array(MetricPointSchema),
  /** For the 1 h and 24 h windows: the newest 1 s point, for "now" figures between their steps. */
  latest: MetricPointSchema.optional(),
});
export type MetricsSeries = z.infer<typeof MetricsSeries>;

export const MetricsSubscriptionId = z.string().regex(/^m-[0-9a-f]{32}$/, 'a metrics subscription id');

export const MetricsWatchInput = z
  .object({
    host: z.boolean(),
    /** 'all': every running instance, including ones that start later. */
    instances: z.union([z.literal('all'), z.array(MetricsInstanceId).max(METRICS_MAX_INSTANCES)]),
    window: MetricsWindow,
    /** At most this many points per series in the reply (the newest); the whole window when absent. */
    history: z.number().int().min(0).max(1_440).optional(),
  })
  .strict();
export type MetricsWatchInput = z.infer<typeof MetricsWatchInput>;

export const metricsChannels = {
  'metrics.watch': {
    summary:
      'Starts live metrics of the host and of instances: the buffers’ contents now, then deltas as metrics.samples until the lease runs out',
    input: MetricsWatchInput,
    output: z.object({
      subscriptionId: MetricsSubscriptionId,
      window: MetricsWindow,
      stepMs: z.number().int().positive(),
      /** Renew within this many ms (metrics.renew), or the subscription ends. */
      leaseMs: z.number().int().positive(),
      series: z.array(MetricsSeries),
    }),
  },
  'metrics.renew': {
    summary: 'Keeps a metrics subscription going for another lease; not-found when it already ended',
    input: z.object({ subscriptionId: MetricsSubscriptionId }).strict(),
    output: z.object({ leaseMs: z.number().int().positive() }),
  },
  'metrics.unwatch': {
    summary: 'Ends a metrics subscription (sampling stops when none is left)',
    input: z.object({ subscriptionId: MetricsSubscriptionId }).strict(),
    output: z.object({ ended: z.boolean() }),
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const metricsEvents = {
  /** New points of one subscription (every window gets every subscription's; each keeps its own). */
  'metrics.samples': z.object({
    subscriptionId: MetricsSubscriptionId,
    window: MetricsWindow,
    series: z.array(MetricsSeries),
  }),
} as const satisfies Record<string, z.ZodType>;
