// `npm test`: every check and test suite of Nova, against real services. On a fresh Debian 12
// machine as root it installs the dependencies, builds, brings the lab up (scripts/lab.sh up), then
// runs each suite, printing each runner's own summary, and a table of the results at the end.
import { join } from 'node:path';

import { build, fail, installDependencies, isRoot, lab, requireNode, ROOT, run, say } from './lib/setup.mjs';

requireNode();
if (!isRoot())
  fail('the tests start system services (libvirtd, dockerd, the system bus, polkit): run them as root');
const started = Date.now();
installDependencies();
build();
lab(['up']);

const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const steps = [
  ['format', bin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['lint', bin('eslint'), ['--max-warnings=0', '.']],
  [
    'shellcheck',
    'shellcheck',
    [
      'scripts/lab.sh',
      'scripts/lab/build-guest.sh',
      'scripts/lab/guest/init',
      'scripts/lab/guest/udhcpc.script',
      'scripts/lab/guest/power-button',
      '.ci/run',
    ],
  ],
  ['typecheck', process.execPath, [join(ROOT, 'scripts/typecheck.mjs')]],
  [
    'unit',
    bin('vitest'),
    [
      'run',
      '--project',
      'core',
      '--project',
      'helper',
      '--project',
      'cli',
      '--project',
      'main',
      '--project',
      'renderer',
    ],
  ],
  ['integration', bin('vitest'), ['run', '--project', 'integration']],
  ['e2e', bin('playwright'), ['test', '-c', 'e2e/playwright.config.ts']],
];
const only = process.argv.slice(2);
const results = [];
for (const [name, file, args] of steps) {
  if (only.length > 0 && !only.includes(name)) continue;
  say(`── ${name} ──`);
  const start = Date.now();
  const status = run(file, args);
  results.push({ name, ok: status === 0, seconds: (Date.now() - start) / 1000 });
}
say('── summary ──');
for (const { name, ok, seconds } of results)
  say(`${ok ? 'passed' : 'FAILED'}  ${name.padEnd(12)} ${seconds.toFixed(1)} s`);
const failed = results.filter((r) => !r.ok).map((r) => r.name);
say(
  `${failed.length === 0 ? 'all passed' : `failed: ${failed.join(', ')}`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(failed.length === 0 ? 0 : 1);
