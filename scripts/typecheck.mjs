// Type-checks every package with its own tsconfig (they differ in libs: DOM for the renderer, Node
// elsewhere). Fails if any fails; prints each project's result.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const projects = ['.', 'packages/core', 'apps/helper', 'apps/cli', 'apps/main', 'apps/renderer', 'e2e'];
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let failed = 0;
for (const project of projects) {
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, project, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  const ok = result.status === 0;
  if (!ok) failed += 1;
  console.log(`typecheck: ${ok ? 'ok  ' : 'FAIL'} ${project}`);
}
console.log(`typecheck: ${projects.length - failed} of ${projects.length} projects passed`);
process.exit(failed === 0 ? 0 : 1);
