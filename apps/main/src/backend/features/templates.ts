// The backend side of the template gallery (issue 6/7): handlers for the channels of
// packages/core/src/contract/features/templates.ts. The catalog is read on each call (registries and
// the trust store may change); deploying goes through the wizard.
import { NovaError, type TemplateCatalog } from '@nova/core';
import { loadCatalogReport } from '@nova/core/node';

import type { BackendFeature } from './feature.js';

export function templatesFeature(): BackendFeature<'templates.list' | 'templates.get'> {
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
    },
  };
}
