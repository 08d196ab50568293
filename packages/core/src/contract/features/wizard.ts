// The desktop app's VM wizard channels and events. Spread into `channels` and `events`
// (contract/channels.ts).
import { z } from 'zod';

import { WizardAnswers, WizardContext, WizardPreview } from '../../wizard/answers.js';

export * from '../../wizard/answers.js';
export * from '../../wizard/defaults.js';

/**
 * A run of a long call (the wizard's "write and apply", the gallery's deploy), named by the window so it
 * can follow its progress.
 */
export const RunId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a run id is 1 to 64 letters, digits, "_" or "-"');

export const WizardRunResult = z.strictObject({
  /** The NovaFile written, absolute. */
  file: z.string(),
  written: z.boolean(),
  applied: z.boolean(),
  /** The new VM's instance id (vm/<uuid>) once it exists. */
  instanceId: z.string().optional(),
  /** Steps of the plan about other things, left for `nova apply`. */
  left: z.number().int(),
});
export type WizardRunResult = z.infer<typeof WizardRunResult>;

export const WizardProgress = z.strictObject({
  runId: RunId,
  /** One line of progress, as the CLI prints it. */
  message: z.string(),
  /** For apply steps: which of how many. */
  index: z.number().int().optional(),
  total: z.number().int().optional(),
  status: z.enum(['started', 'done', 'failed', 'info']),
});
export type WizardProgress = z.infer<typeof WizardProgress>;

export const wizardChannels = {
  'wizard.context': {
    summary:
      'What the VM wizard needs: the NovaFile and its text, the ISO images of its [iso] paths, VM templates, the host’s networks and VMs',
    input: z.strictObject({}),
    output: WizardContext,
  },
  'wizard.preview': {
    summary: 'Checks the wizard’s answers with the NovaFile’s rules and shows the change as a diff',
    input: z.strictObject({ answers: WizardAnswers }),
    output: WizardPreview,
  },
  'wizard.run': {
    summary:
      'Writes the wizard’s [vm.<name>] section into the NovaFile and, with apply, makes the VM (progress as wizard.progress); a failed apply takes the section out again',
    input: z.strictObject({ answers: WizardAnswers, apply: z.boolean(), runId: RunId }),
    output: WizardRunResult,
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const wizardEvents = {
  'wizard.progress': WizardProgress,
} as const satisfies Record<string, z.ZodType>;
