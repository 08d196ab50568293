// The backend side of diagnostics and support bundles: handlers for the channels of
// packages/core/src/contract/features/support.ts. A bundle is written on the machine that runs the
// backend (into ~/Downloads, or ~/.local/state/nova/support without one), and its contents can be sent
// to the window that asked, which saves them where it runs: in browser mode over SSH that is another
// machine.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

import { BundleRequest, type BundleResult, MAX_BUNDLE_DOWNLOAD_BYTES, NovaError } from '@nova/core';
import { bundleNovaSupport, DEFAULT_NOVAFILE, diagnoseNova } from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './feature.js';
import { coalesced } from './topology.js';

/** Bundles this backend wrote, by id: only these can be downloaded. */
const KEPT_BUNDLES = 10;

/** Where the backend writes bundles: the user's download folder, or Nova's state folder. */
async function bundleDirectory(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const home = env['HOME'] ?? homedir();
  const candidates = [env['XDG_DOWNLOAD_DIR'], join(home, 'Downloads')].filter(
    (dir): dir is string => dir !== undefined && dir !== '',
  );
  for (const dir of candidates) {
    try {
      if ((await stat(dir)).isDirectory()) return dir;
    } catch {
      // Not there: the next one.
    }
  }
  const fallback = join(env['XDG_STATE_HOME'] ?? join(home, '.local', 'state'), 'nova', 'support');
  await mkdir(fallback, { recursive: true, mode: 0o700 });
  return fallback;
}

export function supportFeature(
  context: FeatureContext,
): BackendFeature<'diag.run' | 'support.bundle' | 'support.download'> {
  const { services } = context;
  const written = new Map<string, string>();
  let running = false;
  const diagnose = coalesced(() => diagnoseNova(services));
  return {
    handlers: {
      'diag.run': () => diagnose(),
      'support.bundle': async (input): Promise<BundleResult> => {
        const request = BundleRequest.parse(input);
        if (running)
          throw new NovaError(
            'conflict',
            'a support bundle is being written already',
            'Wait until it is done.',
          );
        running = true;
        const bundleId = randomBytes(6).toString('hex');
        try {
          const outcome = await bundleNovaSupport(services, {
            directory: await bundleDirectory(),
            redact: request.redact,
            logs: request.logs,
            system: request.system,
            metrics: request.metrics,
            novaFiles: [DEFAULT_NOVAFILE],
            onProgress: (progress) => {
              context.publish('support.progress', { bundleId, ...progress });
            },
          });
          written.set(bundleId, outcome.path);
          for (const id of [...written.keys()].slice(0, Math.max(0, written.size - KEPT_BUNDLES)))
            written.delete(id);
          return {
            bundleId,
            path: outcome.path,
            fileName: basename(outcome.path),
            sizeBytes: outcome.sizeBytes,
            files: outcome.manifest.files.length + 1,
            skipped: outcome.manifest.skipped,
            redactions: outcome.manifest.redactions,
          };
        } finally {
          running = false;
        }
      },
      'support.download': async ({ bundleId }) => {
        const path = written.get(bundleId);
        if (path === undefined)
          throw new NovaError(
            'not-found',
            `no support bundle ${bundleId} was written by this Nova`,
            'Create a bundle first.',
          );
        const size = (await stat(path)).size;
        if (size > MAX_BUNDLE_DOWNLOAD_BYTES)
          throw new NovaError(
            'failed',
            `the bundle is ${Math.round(size / 1024 ** 2)} MiB, too large to send to this window`,
            `Copy it from ${path} instead.`,
          );
        return { fileName: basename(path), base64: (await readFile(path)).toString('base64') };
      },
    },
  };
}
