import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';

/**
 * src/early.ts as a classic script of its own, ahead of the app's module: Vite would fold every module
 * script of index.html into the one bundle, so the early call would wait until that bundle had been
 * fetched, parsed and run — the very wait it is there to overlap. A classic script in <head> runs as
 * soon as it arrives, before the deferred module; its call is answered while the bundle loads.
 */
function earlyScript(): Plugin {
  let fileName = '';
  let code = '';
  return {
    name: 'nova-early-script',
    apply: 'build',
    async buildStart() {
      const result = await build({
        entryPoints: [fileURLToPath(new URL('src/early.ts', import.meta.url))],
        bundle: true,
        format: 'iife',
        target: 'chrome130',
        minify: true,
        write: false,
        logLevel: 'warning',
      });
      code = result.outputFiles[0]?.text ?? '';
      if (code === '') throw new Error('src/early.ts built to nothing');
      fileName = `assets/early-${createHash('sha256').update(code).digest('hex').slice(0, 10)}.js`;
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source: code });
    },
    transformIndexHtml: {
      order: 'post',
      // Right after <title>: after the CSP's meta (so the CSP covers it), and before the module and the
      // stylesheet (a classic script waits for stylesheets above it before it runs).
      handler(html) {
        if (!html.includes('</title>'))
          throw new Error('index.html has no <title> to put the early script after');
        return html.replace('</title>', `</title>\n    <script src="/${fileName}"></script>`);
      },
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [earlyScript()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    // No inline <script> or <style>: the CSP allows only files from the app's own origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
