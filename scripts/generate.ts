// `npm run generate`: writes the files generated from code (NovaFile reference and JSON Schema, the
// polkit policy). A unit test fails while any of them is out of date.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { generatedFiles } from '../packages/core/src/generate/generated-files.js';

const root = process.env['NOVA_REPO_ROOT'] ?? process.cwd();
for (const [path, content] of Object.entries(generatedFiles())) {
  writeFileSync(join(root, path), content);
  console.log(`generate: wrote ${path}`);
}
