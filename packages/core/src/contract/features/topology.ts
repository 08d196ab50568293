// The desktop app's topology channels and events (issue 5/7). Spread into `channels` and `events`
// (contract/channels.ts); their names are listed, schema-free, in ./topology-names.ts.
import type { z } from 'zod';

export const topologyChannels = {} as const satisfies Record<
  string,
  { summary: string; input: z.ZodType; output: z.ZodType }
>;

export const topologyEvents = {} as const satisfies Record<string, z.ZodType>;
