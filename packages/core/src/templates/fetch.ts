// Small fetches for the gallery (an index, a signature, a SHA256SUMS file): bounded in size and time.
// The size limit is enforced while reading, so that a chunked body that never ends or a file: URL of
// a device (file:///dev/zero) cannot fill memory.
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The most a small fetch reads: 4 MiB. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;

function tooLarge(url: string, limit: number): Error {
  const size =
    limit % (1024 * 1024) === 0 ? `${String(limit / (1024 * 1024))} MiB` : `${String(limit)} bytes`;
  return new Error(
    `${url}: more than ${size} (${String(limit)} bytes), the limit for an index, a signature or a checksum list`,
  );
}

/** A redirect from https to plain http would undo the source check: refused. */
export function refuseDowngrade(asked: string, got: string): void {
  if (got !== '' && new URL(asked).protocol === 'https:' && new URL(got).protocol !== 'https:') {
    throw new Error(`${asked} redirected to ${got}, which is not https`);
  }
}

/** Reads a regular file of at most `limit` bytes; a device, a FIFO or a larger file is refused. */
async function readLocal(url: string, path: string, limit: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${url}: not a regular file`);
    if (info.size > limit) throw tooLarge(url, limit);
    // Read at most limit + 1 bytes: a file that grew after stat() is still caught.
    const buffer = Buffer.alloc(Math.min(info.size, limit) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw tooLarge(url, limit);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Reads a response body, counting bytes; past `limit` the body is cancelled and an error thrown. */
async function readCapped(url: string, body: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      throw tooLarge(url, limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}

/** Reads a small text resource from an http(s) or file:// URL, at most `limit` bytes, within `timeoutMs`. */
export async function fetchText(url: string, timeoutMs = 15_000, limit = MAX_TEXT_BYTES): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') return readLocal(url, fileURLToPath(parsed), limit);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`cannot fetch ${parsed.protocol} URLs`);
  }
  const response = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  try {
    refuseDowngrade(url, response.url);
    if (!response.ok) throw new Error(`HTTP ${String(response.status)} ${response.statusText}`);
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > limit) throw tooLarge(url, limit);
  } catch (err) {
    await response.body?.cancel();
    throw err;
  }
  if (response.body === null) return '';
  return readCapped(url, response.body, limit);
}
