// The template gallery's data: the catalog main reads (`templates.list`), the gallery's filters
// (search, kind, OS, tag), which are pure so that they can be tested alone, and a container stack's
// deploy with its progress (`templates.deploy`, `templates.progress`).
import {
  type CatalogEntry,
  type NovaErrorData,
  type ProvenanceCheckName,
  type TemplateCatalog,
  type TemplateDeployProgress,
  type TemplateDeployResult,
  type TemplateKind,
  toErrorData,
} from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';

export interface TemplateFilters {
  search: string;
  kind: TemplateKind | '';
  os: string;
  tag: string;
}

export const NO_FILTERS: TemplateFilters = { search: '', kind: '', os: '', tag: '' };

/** The entries the filters let through: search in id, name, description, OS and tags. */
export function filterTemplates(entries: readonly CatalogEntry[], filters: TemplateFilters): CatalogEntry[] {
  const words = filters.search
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  return entries.filter(({ template }) => {
    if (filters.kind !== '' && template.kind !== filters.kind) return false;
    if (filters.os !== '' && template.os !== filters.os) return false;
    if (filters.tag !== '' && !template.tags.includes(filters.tag)) return false;
    const haystack = [
      template.id,
      template.name,
      template.description,
      template.os,
      template.os_version,
      ...template.tags,
    ]
      .join(' ')
      .toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}

/** The values a filter can take, sorted, from the whole catalog. */
export function filterChoices(entries: readonly CatalogEntry[]): { os: string[]; tags: string[] } {
  const os = new Set<string>();
  const tags = new Set<string>();
  for (const { template } of entries) {
    os.add(template.os);
    for (const tag of template.tags) tags.add(tag);
  }
  return { os: [...os].sort(), tags: [...tags].sort() };
}

export interface TemplatesState {
  catalog: TemplateCatalog | undefined;
  loading: boolean;
  error: NovaErrorData | undefined;
  refresh: () => Promise<void>;
}

export function createTemplatesStore(client: NovaClient) {
  return create<TemplatesState>()((set) => ({
    catalog: undefined,
    loading: false,
    error: undefined,
    async refresh() {
      set({ loading: true });
      try {
        set({ catalog: await client.call('templates.list', {}), error: undefined });
      } catch (err) {
        set({ error: toErrorData(err) });
      } finally {
        set({ loading: false });
      }
    },
  }));
}

type StackDeployStatus = 'idle' | 'running' | 'done' | 'failed';

export interface StackDeployState {
  status: StackDeployStatus;
  apply: boolean;
  progress: TemplateDeployProgress[];
  result: TemplateDeployResult | undefined;
  error: NovaErrorData | undefined;
  deploy: (input: {
    id: string;
    name: string;
    consent: ProvenanceCheckName[];
    apply: boolean;
  }) => Promise<TemplateDeployResult | undefined>;
}

let deployRuns = 0;

export function createStackDeployStore(client: NovaClient) {
  return create<StackDeployState>()((set) => ({
    status: 'idle',
    apply: false,
    progress: [],
    result: undefined,
    error: undefined,
    async deploy(input) {
      const runId = `stack-${Date.now().toString(36)}-${String(++deployRuns)}`;
      set({ status: 'running', apply: input.apply, progress: [], result: undefined, error: undefined });
      const stop = client.on('templates.progress', (progress) => {
        if (progress.runId !== runId) return;
        set((state) => ({ progress: [...state.progress, progress] }));
      });
      try {
        const result = await client.call('templates.deploy', { ...input, runId });
        set({ status: 'done', result });
        return result;
      } catch (err) {
        set({ status: 'failed', error: toErrorData(err) });
        return undefined;
      } finally {
        stop();
      }
    },
  }));
}
