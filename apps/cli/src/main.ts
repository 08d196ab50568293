import { createNovaServices } from '@nova/core/node';

import { runNova } from './program.js';

runNova(process.argv.slice(2), createNovaServices).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `nova: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
