// `npm run bench [-- --count N]`: runs the benchmarks of e2e/bench. Benchmarks print figures (with
// ratios against a baseline run in the same process); they assert nothing.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { runTs } from './lib/run-ts.mjs';
import { ROOT } from './lib/setup.mjs';

const only = process.argv.slice(2).find((arg) => !arg.startsWith('-') && !/^\d+$/.test(arg));
const benches = readdirSync(join(ROOT, 'e2e/bench')).filter(
  (file) => file.endsWith('.ts') && (only === undefined || file.startsWith(only)),
);
let failed = false;
for (const file of benches) {
  console.log(`bench: ${file}`);
  if (
    (await runTs(
      join(ROOT, 'e2e/bench', file),
      process.argv.slice(2).filter((arg) => arg !== only),
    )) !== 0
  )
    failed = true;
}
process.exit(failed ? 1 : 0);
