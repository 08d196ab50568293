// The desktop app's metrics channels and events (issue 5/7). Spread into `channels` and `events`
// (contract/channels.ts); their names are listed, schema-free, in ./metrics-names.ts.
import type { z } from 'zod';

export const metricsChannels = {} as const satisfies Record<
  string,
  { summary: string; input: z.ZodType; output: z.ZodType }
>;

export const metricsEvents = {} as const satisfies Record<string, z.ZodType>;
