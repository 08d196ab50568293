import { z } from 'zod';

/** One thing Nova depends on, and whether it is reachable from here (and why not). */
export const ComponentStatus = z.object({
  name: z.string(),
  status: z.enum(['ok', 'unavailable', 'absent']),
  version: z.string().optional(),
  endpoint: z.string().optional(),
  detail: z.string(),
});
export type ComponentStatus = z.infer<typeof ComponentStatus>;

export const VersionReport = z.object({
  nova: z.string(),
  node: z.string(),
  components: z.array(ComponentStatus),
});
export type VersionReport = z.infer<typeof VersionReport>;
