import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built renderer: NOVA_RENDERER_DIR, else beside the main bundle in the repository's layout. */
export function rendererDir(bundleDir: string): string {
  const fromEnv = process.env['NOVA_RENDERER_DIR'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const candidate of [join(bundleDir, '..', '..', 'renderer', 'dist'), join(bundleDir, 'renderer')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error('the renderer is not built (no apps/renderer/dist/index.html); run `npm run build`');
}
