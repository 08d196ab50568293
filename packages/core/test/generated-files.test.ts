import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { generatedFiles } from '../src/generate/generated-files.js';
import { NovaFileSchema } from '../src/novafile/schema.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

it.each(Object.entries(generatedFiles()))(
  '%s is up to date with the schema (npm run docs:generate)',
  (path, content) => {
    expect(readFileSync(join(ROOT, path), 'utf8')).toBe(content);
  },
);

it('the reference documents every key of every table', () => {
  const reference = generatedFiles()['docs/reference/novafile.md'] ?? '';
  for (const key of Object.keys(NovaFileSchema.shape)) expect(reference).toContain(key);
  for (const key of [
    'memory',
    'accelerator',
    'dhcp_range',
    'capsule',
    'ports',
    'restart',
    'ovmf_vars',
    'ssh_authorized_keys',
    'create_if_missing',
  ]) {
    expect(reference).toContain(`| \`${key}\` |`);
  }
});
