import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { NovaError } from '../contract/errors.js';
import { MAX_NOVAFILE_BYTES, readNovaFile, type ReadResult } from './read.js';
import type { HostFacts } from './semantics.js';

export const DEFAULT_NOVAFILE = 'NovaFile';

/** Reads a NovaFile from disk; a missing or unreadable file is an error that says what to do. */
export async function loadNovaFile(
  path: string,
  host?: HostFacts,
): Promise<ReadResult & { path: string; text: string }> {
  const absolute = resolve(path);
  let text: string;
  try {
    const bytes = await readFile(absolute);
    if (bytes.length > MAX_NOVAFILE_BYTES) {
      throw new NovaError(
        'invalid-input',
        `${path} is larger than ${MAX_NOVAFILE_BYTES / 1024 / 1024} MiB; is it really a NovaFile?`,
      );
    }
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof NovaError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new NovaError(
        'invalid-input',
        `there is no NovaFile at ${absolute}`,
        path === DEFAULT_NOVAFILE
          ? 'Run Nova in the folder of your NovaFile, or name it with -c FILE.'
          : 'Check the path given with -c.',
      );
    }
    if (code === 'EISDIR') throw new NovaError('invalid-input', `${absolute} is a folder, not a NovaFile`);
    throw new NovaError(
      'failed',
      `cannot read ${absolute}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return {
    ...readNovaFile(text, { file: path, ...(host === undefined ? {} : { host }) }),
    path: absolute,
    text,
  };
}
