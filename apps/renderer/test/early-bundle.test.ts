// The early script is built on its own (vite.config.ts) and runs before the app's bundle arrives: it
// must stay tiny. It takes its call path from the contract, whose schemas must not come with it.
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the early script', () => {
  it('bundles the call path of the contract and none of its schemas', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/early.ts', import.meta.url))],
      bundle: true,
      format: 'iife',
      target: 'chrome130',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('/api/call/');
    expect(code).not.toMatch(/zod|ZodError|safeParse/i);
    expect(code.length).toBeLessThan(2_000);
  });
});
