// Small fetches for the gallery (an index, a signature, a SHA256SUMS file): bounded in size and time.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const MAX_TEXT = 4 * 1024 * 1024;

/** A redirect from https to plain http would undo the source check: refused. */
export function refuseDowngrade(asked: string, got: string): void {
  if (got !== '' && new URL(asked).protocol === 'https:' && new URL(got).protocol !== 'https:') {
    throw new Error(`${asked} redirected to ${got}, which is not https`);
  }
}

/** Reads a small text resource from http(s) or file:// URL, at most 4 MiB, within `timeoutMs`. */
export async function fetchText(url: string, timeoutMs = 15_000): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') {
    const text = await readFile(fileURLToPath(parsed), 'utf8');
    if (text.length > MAX_TEXT) throw new Error(`${url} is larger than 4 MiB`);
    return text;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`cannot fetch ${parsed.protocol} URLs`);
  }
  const response = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  refuseDowngrade(url, response.url);
  if (!response.ok) throw new Error(`HTTP ${String(response.status)} ${response.statusText}`);
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_TEXT) throw new Error(`${url} is larger than 4 MiB`);
  const text = await response.text();
  if (text.length > MAX_TEXT) throw new Error(`${url} is larger than 4 MiB`);
  return text;
}
