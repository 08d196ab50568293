// The desktop app's overview channels and events (issue 5/7). Spread into `channels` and `events`
// (contract/channels.ts); their names are listed, schema-free, in ./overview-names.ts.
import type { z } from 'zod';

export const overviewChannels = {} as const satisfies Record<
  string,
  { summary: string; input: z.ZodType; output: z.ZodType }
>;

export const overviewEvents = {} as const satisfies Record<string, z.ZodType>;
