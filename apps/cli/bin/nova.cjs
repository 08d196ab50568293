#!/usr/bin/env node
// The `nova` command: runs the bundled CLI built by `npm run build`.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'nova.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    'nova: the command line is not built yet; run `npm run build` in the repository first\n',
  );
  process.exit(1);
}
require(bundle);
