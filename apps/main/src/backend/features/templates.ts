// The backend side of the template gallery: handlers for the channels of
// packages/core/src/contract/features/templates.ts. The catalog is read on each call (registries and
// the trust store may change). VM templates deploy through the wizard (into the pool chosen from
// `templates.pools`); container stacks deploy here into ./NovaFile of the backend's folder
// (`templates.deploy`, progress as `templates.progress`).
import { resolve } from 'node:path';

import { NovaError, type TemplateCatalog, type TemplateDeployProgress } from '@nova/core';
import {
  DEFAULT_NOVAFILE,
  deployStackTemplate,
  loadCatalogReport,
  type StackDeployEvent,
  storagePoolChoices,
} from '@nova/core/node';

import { applyEventProgress, plannedProgress } from './apply-progress.js';
import type { BackendFeature, FeatureContext } from './feature.js';

export interface TemplatesFeatureOptions {
  /** The NovaFile stacks are deployed into (default ./NovaFile of the backend's working folder). */
  novaFilePath?: string;
}

function progressOf(runId: string, event: StackDeployEvent): TemplateDeployProgress | undefined {
  switch (event.type) {
    case 'deploy': {
      const inner = event.event;
      if (inner.type === 'step') return { runId, message: inner.message, status: 'info' };
      if (inner.type === 'check')
        return { runId, message: `${inner.check}: ${inner.status} — ${inner.detail}`, status: 'info' };
      // Stacks download nothing; a VM image's bytes are the wizard's to show.
      return undefined;
    }
    case 'written':
      return {
        runId,
        message: `Wrote ${event.sections.map((section) => `[${section}]`).join(', ')} into ${event.file}`,
        status: 'info',
      };
    case 'planned':
      return plannedProgress(runId, 'this stack', event.steps, event.left);
    case 'restored':
      return { runId, message: `Took the sections out of ${event.file} again`, status: 'info' };
    case 'apply':
      return applyEventProgress(runId, event.event);
  }
}

export function templatesFeature(
  context: FeatureContext,
  options: TemplatesFeatureOptions = {},
): BackendFeature<'templates.list' | 'templates.get' | 'templates.pools' | 'templates.deploy'> {
  const { services } = context;
  const list = async (): Promise<TemplateCatalog> => {
    const report = await loadCatalogReport();
    return { templates: report.entries, problems: report.problems, trustStore: report.trust.dir };
  };
  return {
    handlers: {
      'templates.list': list,
      'templates.get': async ({ id }) => {
        const catalog = await list();
        const entry = catalog.templates.find((candidate) => candidate.template.id === id);
        if (entry === undefined) {
          throw new NovaError(
            'not-found',
            `no template "${id}"${catalog.problems.length > 0 ? ` (${catalog.problems.join('; ')})` : ''}`,
          );
        }
        return entry;
      },
      'templates.pools': async () => ({
        pools: storagePoolChoices((await services.helper('ListStorage', {})).pools),
      }),
      'templates.deploy': async ({ id, name, consent, apply, runId }) => {
        const file = resolve(options.novaFilePath ?? DEFAULT_NOVAFILE);
        const result = await deployStackTemplate(
          { novaFile: services.novaFile, hostFacts: () => services.hostFacts() },
          {
            id,
            name,
            novaFile: file,
            consent,
            apply,
            onEvent: (event) => {
              const progress = progressOf(runId, event);
              if (progress !== undefined) context.publish('templates.progress', progress);
            },
          },
        );
        let instanceIds: string[] = [];
        if (result.applied) {
          const names = new Set(result.containers);
          const { instances } = await services.instances.list();
          instanceIds = instances
            .filter((instance) => instance.kind === 'container' && names.has(instance.name))
            .map((instance) => instance.id);
        }
        return {
          template: result.deployed.template,
          name: result.deployed.name,
          file,
          sections: result.deployed.sections,
          consentedTo: result.deployed.consented ? result.deployed.failedChecks : [],
          applied: result.applied,
          done: result.done,
          left: result.left,
          instanceIds,
        };
      },
    },
  };
}
