// The desktop app's template gallery channels (issue 6/7). Spread into `channels` and `events`
// (contract/channels.ts); their names are listed, schema-free, in ./templates-names.ts.
import { z } from 'zod';

import { CatalogEntry, TemplateId } from '../../templates/types.js';
import type { TEMPLATES_CHANNEL_NAMES, TEMPLATES_EVENT_NAMES } from './templates-names.js';

export const TemplateCatalog = z.strictObject({
  /** Every template of the built-in and the configured registries, with its provenance. */
  templates: z.array(CatalogEntry),
  /** Registries that could not be read (with why), and templates skipped for a duplicate id. */
  problems: z.array(z.string()),
  /** The trust store folder the publisher and signature checks used. */
  trustStore: z.string(),
});
export type TemplateCatalog = z.infer<typeof TemplateCatalog>;

export const templatesChannels = {
  'templates.list': {
    summary:
      'Templates of the built-in and the configured registries (~/.config/nova/templates.toml), each with its provenance checks',
    input: z.strictObject({}),
    output: TemplateCatalog,
  },
  'templates.get': {
    summary: 'One template by id, with its provenance checks',
    input: z.strictObject({ id: TemplateId }),
    output: CatalogEntry,
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const templatesEvents = {} as const satisfies Record<string, z.ZodType>;

// ./templates-names.ts must name exactly these (checked both ways at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const TEMPLATES_NAME_LISTS_MATCH: [
  Same<(typeof TEMPLATES_CHANNEL_NAMES)[number], keyof typeof templatesChannels>,
  Same<(typeof TEMPLATES_EVENT_NAMES)[number], keyof typeof templatesEvents>,
] = [true, true];
