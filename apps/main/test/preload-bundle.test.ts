// The preload is built on its own (scripts/build.mjs) and runs in every window before the page: it
// takes only the schema-free part of the contract (@nova/core/names), never the schemas.
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the preload', () => {
  it('bundles no schema of the contract', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/electron/preload.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'cjs',
      target: 'chrome130',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain('nova:event');
    expect(code).not.toMatch(/zod|ZodError|safeParse/i);
    expect(code.length).toBeLessThan(8_000);
  });
});
