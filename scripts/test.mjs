// `npm test`: every check and test suite of Nova, against real services. On a fresh Debian 12
// machine as root it installs the dependencies, builds, brings the lab up (scripts/lab.sh up), then
// runs each step, printing each runner's own summary, a table of the steps, and last, alone on its
// line, the total over all runners: "N passed, N failed, N skipped".
//
//   npm test                          every step; unit and integration files in a shuffled order
//   npm test -- unit integration      only these steps (names below)
//   npm test -- --seed 1234           replay the file order of an earlier run (it prints its seed)
//
// A check step (format, lint, shellcheck, typecheck, selftest) counts as one test in the total.
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build, fail, installDependencies, isRoot, lab, requireNode, ROOT, run, say } from './lib/setup.mjs';

const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const reports = mkdtempSync(join(tmpdir(), 'nova-test-'));
const vitestReport = (name) => join(reports, `${name}.json`);
const playwrightReport = join(reports, 'e2e.json');
const UNIT_PROJECTS = ['core', 'helper', 'cli', 'main', 'renderer'];

/** The steps, in the order they run; `lab` says whether the step needs the lab's services. */
function steps(seed) {
  const shuffled = ['--sequence.shuffle.files', `--sequence.seed=${seed}`];
  const vitest = (name, projects) => ({
    name,
    file: bin('vitest'),
    args: [
      'run',
      ...projects.flatMap((project) => ['--project', project]),
      ...shuffled,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${vitestReport(name)}`,
    ],
    count: () => vitestCounts(vitestReport(name)),
  });
  return [
    { name: 'format', file: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
    { name: 'lint', file: bin('eslint'), args: ['--max-warnings=0', '.'] },
    {
      name: 'shellcheck',
      file: 'shellcheck',
      args: [
        'scripts/lab.sh',
        'scripts/lab/build-guest.sh',
        'scripts/lab/guest/init',
        'scripts/lab/guest/udhcpc.script',
        'scripts/lab/guest/power-button',
        '.ci/run',
      ],
    },
    { name: 'typecheck', file: process.execPath, args: [join(ROOT, 'scripts/typecheck.mjs')] },
    { name: 'selftest', file: 'bash', args: [join(ROOT, 'scripts/lab.sh'), 'selftest'], lab: true },
    vitest('unit', UNIT_PROJECTS),
    { ...vitest('integration', ['integration']), lab: true },
    {
      name: 'e2e',
      file: bin('playwright'),
      args: ['test', '-c', 'e2e/playwright.config.ts', '--reporter=list,json'],
      env: { PLAYWRIGHT_JSON_OUTPUT_FILE: playwrightReport },
      count: () => playwrightCounts(playwrightReport),
      lab: true,
    },
  ];
}

function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function vitestCounts(file) {
  const report = readReport(file);
  if (report === undefined) return undefined;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const result of report.testResults) {
    const statuses = result.assertionResults.map((assertion) => assertion.status);
    // A file whose setup failed reports its tests as skipped: they failed, as the file did.
    const setupFailed = result.status === 'failed' && !statuses.includes('failed');
    if (setupFailed) counts.failed += Math.max(1, statuses.filter((s) => s !== 'passed').length);
    for (const status of statuses) {
      if (status === 'passed') counts.passed++;
      else if (status === 'failed') counts.failed++;
      else if (!setupFailed) counts.skipped++;
    }
  }
  return counts;
}

function playwrightCounts(file) {
  const stats = readReport(file)?.stats;
  if (stats === undefined) return undefined;
  return { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped };
}

/** The command line: step names, and --seed N. Anything else is a usage error (exit 2). */
function parseArguments(argv, known) {
  const only = [];
  let seed;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg === '--seed' ? argv[++i] : arg.startsWith('--seed=') ? arg.slice(7) : undefined;
    if (arg === '--seed' || arg.startsWith('--seed=')) {
      if (value === undefined || !/^\d{1,9}$/.test(value))
        usage(`--seed takes a whole number, not "${value ?? ''}"`);
      seed = Number(value);
    } else if (known.includes(arg)) only.push(arg);
    else usage(`there is no step "${arg}"`);
  }
  return { only, seed };
}

function usage(problem) {
  process.stderr.write(
    `nova: ${problem}\nusage: npm test [-- [--seed N] [STEP ...]]  steps: ${steps(0)
      .map((s) => s.name)
      .join(', ')}\n`,
  );
  process.exit(2);
}

const { only, seed: given } = parseArguments(
  process.argv.slice(2),
  steps(0).map((s) => s.name),
);
const seed = given ?? randomInt(1, 1_000_000_000);
const chosen = steps(seed).filter((step) => only.length === 0 || only.includes(step.name));

requireNode();
if (!isRoot() && chosen.some((step) => step.lab === true))
  fail('the tests start system services (libvirtd, dockerd, the system bus, polkit): run them as root');
const started = Date.now();
installDependencies();
build();
if (chosen.some((step) => step.lab === true)) lab(['up']);
say(`test files run in a shuffled order, seed ${seed} (to replay it: npm test -- --seed ${seed})`);

const results = [];
for (const step of chosen) {
  say(`── ${step.name} ──`);
  const start = Date.now();
  const status = run(step.file, step.args, { env: { ...process.env, ...step.env } });
  const ok = status === 0;
  // A runner that died before writing its report counts as one failure, not as nothing.
  const counts =
    step.count === undefined
      ? { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }
      : (step.count() ?? { passed: 0, failed: 1, skipped: 0 });
  if (!ok && counts.failed === 0) counts.failed = 1;
  results.push({ name: step.name, ok, seconds: (Date.now() - start) / 1000, counts });
}
rmSync(reports, { recursive: true, force: true });

say('── summary ──');
for (const { name, ok, seconds, counts } of results) {
  const tests = `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  say(`${ok ? 'passed' : 'FAILED'}  ${name.padEnd(12)} ${seconds.toFixed(1).padStart(6)} s   ${tests}`);
}
const failed = results.filter((r) => !r.ok).map((r) => r.name);
say(
  `${failed.length === 0 ? 'all passed' : `failed: ${failed.join(', ')}`} in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${seed})`,
);
const total = (key) => results.reduce((sum, r) => sum + r.counts[key], 0);
process.stdout.write(`${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped\n`);
process.exit(failed.length === 0 ? 0 : 1);
