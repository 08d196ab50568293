// The backend side of the VM wizard: handlers for the channels of
// packages/core/src/contract/features/wizard.ts. The NovaFile is ./NovaFile of the backend's folder.
import { resolve } from 'node:path';

import type { wizardChannels, WizardContext, WizardProgress } from '@nova/core';
import {
  DEFAULT_NOVAFILE,
  loadWizardContext,
  previewOnHost,
  readNovaFileText,
  runWizard,
  type WizardEvent,
} from '@nova/core/node';

import { applyEventProgress, plannedProgress } from './apply-progress.js';
import type { BackendFeature, FeatureContext } from './feature.js';

export type WizardChannel = keyof typeof wizardChannels;

/** How long a preview trusts what the host said (its networks and VMs, the templates). */
const CONTEXT_REUSE_MS = 30_000;

export interface WizardFeatureOptions {
  /** The NovaFile the wizard adds to (default ./NovaFile of the backend's working folder). */
  novaFilePath?: string;
}

function progressOf(runId: string, event: WizardEvent): WizardProgress | undefined {
  if (event.type === 'template' || event.type === 'storage')
    return { runId, message: event.message, status: 'info' };
  if (event.type === 'written')
    return { runId, message: `Wrote the section into ${event.file}`, status: 'info' };
  if (event.type === 'planned') return plannedProgress(runId, 'this VM', event.steps, event.left);
  if (event.type === 'restored')
    return { runId, message: `Took the section out of ${event.file} again`, status: 'info' };
  return applyEventProgress(runId, event.event);
}

export function wizardFeature(
  context: FeatureContext,
  options: WizardFeatureOptions = {},
): BackendFeature<WizardChannel> {
  const { services } = context;
  const file = () => resolve(options.novaFilePath ?? DEFAULT_NOVAFILE);
  // Asking the host and the template catalog takes a while: a preview (one per change of an answer)
  // reuses what the page's last `wizard.context` found, with the file read again each time.
  let cached: { context: WizardContext; at: number } | undefined;
  const freshContext = async (): Promise<WizardContext> => {
    const context = await loadWizardContext(services.novaFile, file());
    cached = { context, at: Date.now() };
    return context;
  };
  const contextForPreview = async (): Promise<WizardContext> => {
    if (cached === undefined || Date.now() - cached.at > CONTEXT_REUSE_MS) return freshContext();
    return { ...cached.context, ...(await readNovaFileText(file())) };
  };
  return {
    handlers: {
      'wizard.context': freshContext,
      'wizard.preview': async ({ answers }) => previewOnHost(await contextForPreview(), answers),
      'wizard.run': async ({ answers, apply, runId }) => {
        const path = file();
        cached = undefined;
        const result = await runWizard(services.novaFile, path, answers, {
          apply,
          onEvent: (event) => {
            const progress = progressOf(runId, event);
            if (progress !== undefined) context.publish('wizard.progress', progress);
          },
        });
        let instanceId: string | undefined;
        if (result.applied) {
          const list = await services.instances.list();
          instanceId = list.instances.find(
            (instance) => instance.kind === 'vm' && instance.name === answers.name,
          )?.id;
        }
        return {
          file: path,
          written: result.written,
          applied: result.applied,
          left: result.left,
          ...(instanceId === undefined ? {} : { instanceId }),
        };
      },
    },
  };
}
