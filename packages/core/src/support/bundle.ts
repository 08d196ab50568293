// `nova support bundle`: gathers what someone helping a user needs (versions, diagnostics, logs, the
// NovaFile, Nova's libvirt XML, network and engine state, recent metrics), redacts it, and writes one
// tar.gz atomically with mode 0600. A source that cannot be read is listed in the manifest as skipped.
// The steps that gather are in bundle-steps.ts, the redaction and manifest in bundle-redaction.ts.
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { NovaError } from '../contract/errors.js';
import type { BundleProgress } from '../contract/features/support.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { Gathering, json, reasonOf } from './bundle-gather.js';
import { type BundleFile, redactBundle } from './bundle-redaction.js';
import { bundleSteps } from './bundle-steps.js';
import type { BundleDeps, BundleOptions, BundleOutcome } from './bundle-types.js';
import { type TarEntry, tarGzArchive } from './tar.js';

export { DEFAULT_AUDIT_LOG, LIBVIRT_QEMU_LOG_DIR } from './bundle-logs.js';
export * from './bundle-types.js';

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** Fails, saying why, unless `output` is free and its folder exists. */
async function checkOutput(output: string): Promise<void> {
  try {
    await stat(output);
    throw new NovaError(
      'invalid-input',
      `${output} already exists`,
      'Choose another file with --output, or move the old bundle away.',
    );
  } catch (err) {
    if (err instanceof NovaError) throw err;
  }
  try {
    if (!(await stat(dirname(output))).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new NovaError(
      'invalid-input',
      `cannot write ${output}: ${dirname(output)} is not a folder`,
      'Give --output a file in a folder that exists.',
    );
  }
}

/**
 * The archive's entries: everything under one folder named after the bundle, the manifest first, each
 * folder before what it holds. Files are readable by their owner only.
 */
function archiveEntries(root: string, files: readonly BundleFile[], mtime: number): TarEntry[] {
  const entries: TarEntry[] = [{ path: root, directory: true, mtime }];
  const folders = new Set<string>();
  for (const { path, content } of files) {
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      const folder = parts.slice(0, depth).join('/');
      if (!folders.has(folder)) {
        folders.add(folder);
        entries.push({ path: `${root}/${folder}`, directory: true, mtime });
      }
    }
    entries.push({ path: `${root}/${path}`, content, mode: 0o600, mtime });
  }
  return entries;
}

/** Writes a support bundle and resolves with where it is and its manifest. */
export async function createSupportBundle(deps: BundleDeps, options: BundleOptions): Promise<BundleOutcome> {
  const now = (options.now ?? (() => new Date()))();
  const output = resolve(
    options.output ?? join(options.directory ?? process.cwd(), `nova-support-${timestamp(now)}.tar.gz`),
  );
  await checkOutput(output);

  const gathered = new Gathering();
  const steps = bundleSteps(deps, options, gathered);
  const total = steps.length + 1;
  const progress = (index: number, step: string, status: BundleProgress['status'], message?: string) => {
    options.onProgress?.({ step, index, total, status, ...(message === undefined ? {} : { message }) });
  };
  for (const [i, step] of steps.entries()) {
    if (!step.enabled) {
      gathered.skip(step.id, `left out (${step.off})`);
      progress(i + 1, step.id, 'skipped', `left out (${step.off})`);
      continue;
    }
    progress(i + 1, step.id, 'started');
    try {
      await step.run();
      progress(i + 1, step.id, 'done');
    } catch (err) {
      gathered.skip(step.id, reasonOf(err));
      progress(i + 1, step.id, 'failed', reasonOf(err));
    }
  }

  progress(
    total,
    'write',
    'started',
    options.redact === 'none' ? 'without redaction' : `redacting (${options.redact})`,
  );
  const { files, manifest } = await redactBundle(gathered, options, now);
  const manifestFile: BundleFile = {
    path: 'manifest.json',
    content: Buffer.from(json(manifest), 'utf8'),
  };
  const entries = archiveEntries(
    `nova-support-${timestamp(now)}`,
    [manifestFile, ...files],
    Math.floor(now.getTime() / 1000),
  );
  // Built whole in memory, then written beside the output and renamed over it: never half a bundle.
  const archive = await tarGzArchive(entries);
  await writeFileAtomic(output, archive, 0o600);
  progress(total, 'write', 'done', output);
  return { path: output, sizeBytes: archive.length, manifest };
}
