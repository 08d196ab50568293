import { readFileSync } from 'node:fs';

import { expect, it } from 'vitest';

import { NOVA_VERSION } from '../src/index.js';

it('NOVA_VERSION is the version in the root package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(NOVA_VERSION).toBe(pkg.version);
});
