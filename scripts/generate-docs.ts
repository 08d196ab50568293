// `npm run docs:generate`: writes the generated documentation (NovaFile reference and JSON Schema).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { generatedDocs } from '../packages/core/src/docs/generated.js';

const root = process.env['NOVA_REPO_ROOT'] ?? process.cwd();
for (const [path, content] of Object.entries(generatedDocs())) {
  writeFileSync(join(root, path), content);
  console.log(`docs: wrote ${path}`);
}
