// The desktop app's template gallery channels. Spread into `channels` and `events`
// (contract/channels.ts).
import { z } from 'zod';

import { NAME_PATTERN, NAME_RULE } from '../../novafile/schema.js';
import { CatalogEntry, ProvenanceCheckName, TemplateId } from '../../templates/types.js';
import { RunId, StoragePoolChoice, WizardProgress } from './wizard.js';

export const TemplateCatalog = z.strictObject({
  /** Every template of the built-in and the configured registries, with its provenance. */
  templates: z.array(CatalogEntry),
  /** Registries that could not be read (with why), and templates skipped for a duplicate id. */
  problems: z.array(z.string()),
  /** The trust store folder the publisher and signature checks used. */
  trustStore: z.string(),
});
export type TemplateCatalog = z.infer<typeof TemplateCatalog>;

export const TemplateDeployInput = z.strictObject({
  /** A container stack template of the catalog (VM templates go through the wizard). */
  id: TemplateId,
  /** The stack's prefix: its containers and networks are "<name>-<container>". */
  name: z.string().regex(NAME_PATTERN, `a name is ${NAME_RULE}`),
  /** The failed provenance checks the person accepted; every failed check must be among them. */
  consent: z.array(ProvenanceCheckName).max(4),
  /** Also plan and apply the written sections (create and start the containers). */
  apply: z.boolean(),
  runId: RunId,
});
export type TemplateDeployInput = z.infer<typeof TemplateDeployInput>;

export const TemplateDeployResult = z.strictObject({
  template: z.string(),
  name: z.string(),
  /** The NovaFile written, absolute. */
  file: z.string(),
  /** The NovaFile tables written, dotted: "container.web-app", "network.web-net". */
  sections: z.array(z.string()),
  /** Deployed despite these failed checks, with the person's consent. */
  consentedTo: z.array(ProvenanceCheckName),
  applied: z.boolean(),
  /** The steps applied, in words: "create container web-app". */
  done: z.array(z.string()),
  /** Steps of the plan about other things, left for `nova apply`. */
  left: z.number().int(),
  /** The stack's containers as instances (for the overview), once they exist. */
  instanceIds: z.array(z.string()),
});
export type TemplateDeployResult = z.infer<typeof TemplateDeployResult>;

export const TemplatePools = z.strictObject({
  /** Nova's default pool first (not existing yet before its first use), then the host's others. */
  pools: z.array(StoragePoolChoice),
});
export type TemplatePools = z.infer<typeof TemplatePools>;

/** Progress lines of a stack's deploy: the same lines as the wizard's. */
export const TemplateDeployProgress = WizardProgress;
export type TemplateDeployProgress = z.infer<typeof TemplateDeployProgress>;

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
  'templates.pools': {
    summary:
      'The storage pools a VM template’s image can be copied into: nova-disks first (made on first use), then the host’s others',
    input: z.strictObject({}),
    output: TemplatePools,
  },
  'templates.deploy': {
    summary:
      'Deploys a container stack template into the NovaFile and, with apply, creates and starts it (progress as templates.progress); a failed apply takes the sections out again',
    input: TemplateDeployInput,
    output: TemplateDeployResult,
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const templatesEvents = {
  'templates.progress': TemplateDeployProgress,
} as const satisfies Record<string, z.ZodType>;
