// The writers that e2e/integration/crash-safe-writes.test.ts kills: runs Nova's real writers, each in a
// loop of its own, all at once (one process killed is one kill for each of them: far fewer Node starts)
// until the process is killed. Protocol on stdout, a line each: "ready", then "begin KIND N" and
// "end KIND N MS" around every write. Writes to a pipe are synchronous in Node on Linux, so after a
// SIGKILL the last lines tell what was under way. It waits for its order (a WriterOrder) on stdin, so
// that the test can start the next one while it checks the files the last one left. Ordered "once", it
// writes each file once and prints "measured {KIND: MS}". Given a WriterOrder as its argument, it
// first runs those writers once, on scratch files, while it waits.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';

import { AuditLog } from '../../apps/helper/src/audit.js';
import { KvmHealth } from '../../apps/helper/src/kvm-health.js';
import { OriginRegistry } from '../../apps/helper/src/origins.js';
import { NovaError } from '../../packages/core/src/contract/errors.js';
import { updateNovaFile } from '../../packages/core/src/novafile/edit.js';
import { type BundleDeps, createSupportBundle } from '../../packages/core/src/support/bundle.js';
import { downloadFile } from '../../packages/core/src/templates/download.js';

export type WriterKind =
  'novafile' | 'origins' | 'audit' | 'template-cache' | 'kvm-health' | 'support-bundle';

export interface WriterConfig {
  /** The file written (the NovaFile, the registry, the log, the cached image, the bundle). */
  file: string;
  /** template-cache: where the image is downloaded from. */
  url?: string;
  /** audit: the sequence number of the first entry this writer appends. */
  start?: number;
  /** support-bundle: the NovaFile the bundle includes. */
  novaFile?: string;
}

/** What the test sends on the child's stdin, as one line of JSON, to start it. */
export interface WriterOrder {
  writers: Partial<Record<WriterKind, WriterConfig>>;
  /** One write each, alone, timed; then exit 0 (instead of writing until killed). */
  once?: boolean;
}

/** The two values the NovaFile writer sets, in turn. */
export const NOVAFILE_MEMORY = ['2Gi', '4Gi'] as const;
/** What the origins writer adds, in order: pools crash-0, crash-1, … of this project. */
export const ORIGINS_PROJECT = 'crash-test';
/** The two reasons the KVM health writer records, in turn (long, so that a write takes a while). */
export const KVM_REASONS = [
  `kvm: run failed: ${'a'.repeat(48 * 1024)}`,
  `MSR write refused: ${'b'.repeat(48 * 1024)}`,
] as const;

/** The audit entry number n: large enough (several pages) that SIGKILL can cut its write. */
export function auditEntry(n: number): Parameters<AuditLog['record']>[0] {
  return {
    time: new Date(0).toISOString(),
    callId: `crash-${String(n)}`,
    callIdBy: 'caller',
    uid: 0,
    sender: ':1.42',
    method: 'CrashTest',
    action: 'dev.nova.crash-test',
    arguments: {
      seq: n,
      filler: Array.from({ length: 40 }, (_, i) => `${String(n)}-${String(i)}-${'x'.repeat(480)}`),
    },
    result: 'ok',
  };
}

function bundleDeps(): BundleDeps {
  // Fakes: the bundle's sources are beside the point here, only how the archive reaches the disk.
  const unavailable = () => Promise.reject(new NovaError('backend-unavailable', 'not part of this test'));
  return { helper: unavailable, version: unavailable, engines: unavailable, diagnose: unavailable, env: {} };
}

function writerFor(kind: WriterKind, config: WriterConfig): () => Promise<void> {
  switch (kind) {
    case 'novafile': {
      // Each write changes the file: the first sets the value it does not hold.
      let n = readFileSync(config.file, 'utf8').includes(`memory = "${NOVAFILE_MEMORY[0]}"`) ? 1 : 0;
      return async () => {
        const { text } = await updateNovaFile(config.file, [
          { op: 'set', path: ['vm', 'web', 'memory'], value: NOVAFILE_MEMORY[n % 2] ?? '2Gi' },
        ]);
        // The same value again would write nothing: the next write sets the other one.
        n = text.includes(`memory = "${NOVAFILE_MEMORY[0]}"`) ? 1 : 0;
      };
    }
    case 'origins': {
      const registry = new OriginRegistry(config.file);
      return () =>
        registry.update((origins) => {
          const next = Object.keys(origins.pools).filter((name) => name.startsWith('crash-')).length;
          origins.pools[`crash-${String(next)}`] = { project: ORIGINS_PROJECT };
        });
    }
    case 'audit': {
      const log = new AuditLog(config.file);
      let n = config.start ?? 0;
      return async () => {
        await log.record(auditEntry(n));
        n += 1;
      };
    }
    case 'template-cache': {
      const url = config.url ?? '';
      return async () => {
        await downloadFile({ url, dest: config.file, attempts: 1 });
      };
    }
    case 'kvm-health': {
      const health = new KvmHealth(config.file);
      let n = 0;
      return async () => {
        await health.markUnusable(KVM_REASONS[n % 2] ?? '');
        n += 1;
      };
    }
    case 'support-bundle': {
      const deps = bundleDeps();
      return async () => {
        // A bundle never overwrites one: each write makes the file anew.
        await rm(config.file, { force: true });
        await createSupportBundle(deps, {
          output: config.file,
          redact: 'none',
          logs: false,
          system: false,
          metrics: false,
          novaFiles: config.novaFile === undefined ? [] : [config.novaFile],
        });
      };
    }
  }
}

async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const lines = createInterface({ input: process.stdin });
  const first = new Promise<string>((resolve) => {
    lines.once('line', resolve);
  });
  const writersOf = (order: WriterOrder) =>
    Object.entries(order.writers).map(([kind, options]) => ({
      kind,
      write: writerFor(kind as WriterKind, options),
    }));
  // Warm: each writer once on scratch files, so that the writes the test kills run compiled code.
  const [scratch] = process.argv.slice(2);
  if (scratch !== undefined)
    await Promise.all(writersOf(JSON.parse(scratch) as WriterOrder).map((w) => w.write()));
  const order = JSON.parse(await first) as WriterOrder;
  lines.close();
  const once = order.once;
  const writers = writersOf(order);
  const timed = async (write: () => Promise<void>) => {
    const started = performance.now();
    await write();
    return (performance.now() - started).toFixed(3);
  };
  if (once === true) {
    // One write each, alone: how long each takes, for the test to draw its kill delays from.
    const measured: Record<string, number> = {};
    for (const { kind, write } of writers) measured[kind] = Number(await timed(write));
    say(`measured ${JSON.stringify(measured)}`);
    return;
  }
  say('ready');
  await Promise.all(
    writers.map(async ({ kind, write }) => {
      for (let n = 0; ; n += 1) {
        say(`begin ${kind} ${String(n)}`);
        say(`end ${kind} ${String(n)} ${await timed(write)}`);
      }
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`writer-child: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
