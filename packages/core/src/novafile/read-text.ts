import { readFile } from 'node:fs/promises';

import { NovaError } from '../contract/errors.js';

/** A NovaFile's text; "" when there is none yet (the wizard and a stack deploy create it). */
export async function readNovaFileText(file: string): Promise<{ text: string; exists: boolean }> {
  try {
    return { text: await readFile(file, 'utf8'), exists: true };
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { text: '', exists: false };
    throw new NovaError('failed', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
