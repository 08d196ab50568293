// Downloading a template's image: with progress, resumed with HTTP Range after an interruption. The
// bytes go to "<file>.partial" (with "<file>.partial.json" saying where from, and the ETag or
// Last-Modified the server sent with them), which becomes "<file>" only when complete; a later run
// resumes a .partial left by an interrupted one with If-Range, or starts over when it has no validator.
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

import { syncDirectory, writeFileAtomic } from '../fs/atomic-write.js';
import { refuseDowngrade } from './fetch.js';

export interface DownloadProgress {
  /** Bytes of the file on disk so far (including what an earlier attempt got). */
  received: number;
  /** The whole file's size, when the server says it. */
  total: number | undefined;
  /** Where this attempt started (more than 0 when it resumed). */
  resumedFrom: number;
  attempt: number;
}

export interface DownloadOptions {
  url: string;
  /** The complete file's path; the download goes to `${dest}.partial` until it is complete. */
  dest: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Attempts in all, each resuming where the last stopped (default 4). */
  attempts?: number;
  /** Give up on an attempt when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Size the file must have, when known. */
  expectedSize?: number;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  attempts: number;
  /** Offsets at which attempts resumed (a Range request was honoured). */
  resumedAt: number[];
}

const PartialMeta = z.object({
  url: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
});
type PartialMeta = z.infer<typeof PartialMeta>;

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readMeta(path: string): Promise<PartialMeta | undefined> {
  try {
    const parsed = PartialMeta.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeMeta(path: string, meta: PartialMeta): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(meta), 0o600);
}

function counting(start: number, onChunk: (received: number) => void): Transform {
  let received = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      onChunk(received);
      callback(null, chunk);
    },
  });
}

/** Copies a local file (file:// URL) to dest, with progress. */
async function copyLocal(options: DownloadOptions, source: string): Promise<DownloadResult> {
  const partial = `${options.dest}.partial`;
  const total = (await stat(source)).size;
  await pipeline(
    createReadStream(source),
    counting(0, (received) => options.onProgress?.({ received, total, resumedFrom: 0, attempt: 1 })),
    createWriteStream(partial),
  );
  await complete(partial, options.dest);
  return { path: options.dest, bytes: total, attempts: 1, resumedAt: [] };
}

/** Makes a whole .partial the file: flushed, renamed, the folder flushed; its validators go with it. */
async function complete(partial: string, dest: string): Promise<void> {
  const handle = await open(partial, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, dest);
  await syncDirectory(dirname(dest));
  await rm(`${partial}.json`, { force: true });
}

/** Writes all of `bytes` at the end of the file (a write may take only part of them). */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    if (bytesWritten === 0) throw new Error('the disk took none of the bytes written');
    done += bytesWritten;
  }
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** The validator If-Range can carry: a strong ETag, else Last-Modified (a weak ETag never matches). */
function ifRangeValidator(meta: PartialMeta | undefined): string | undefined {
  if (meta?.etag !== undefined && !meta.etag.startsWith('W/')) return meta.etag;
  return meta?.lastModified;
}

async function startOver(partial: string, metaPath: string): Promise<void> {
  await rm(partial, { force: true });
  await rm(metaPath, { force: true });
}

/**
 * One HTTP attempt: resumes from the .partial's size, with If-Range carrying the validator saved with
 * it (in "<file>.partial.json"), so that a changed file is sent whole instead of spliced onto old bytes.
 * A .partial without a validator, or a reply that does not fit it, starts over.
 */
async function attempt(options: DownloadOptions, attemptNo: number, resumedAt: number[]): Promise<void> {
  const partial = `${options.dest}.partial`;
  const metaPath = `${partial}.json`;
  let have = await sizeOf(partial);
  const meta = await readMeta(metaPath);
  const validator = ifRangeValidator(meta);
  if (have > 0 && (meta?.url !== options.url || validator === undefined)) {
    // A .partial of something else, or one nothing can tell is still the same file: start over.
    await startOver(partial, metaPath);
    have = 0;
  }
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (have > 0 && validator !== undefined) {
    headers['range'] = `bytes=${String(have)}-`;
    headers['if-range'] = validator;
  }
  const idle = new AbortController();
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => {
    idle.abort();
  }, idleMs);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle.abort();
    }, idleMs);
  };
  const signal = options.signal === undefined ? idle.signal : AbortSignal.any([idle.signal, options.signal]);
  try {
    let response: Response;
    try {
      response = await fetch(options.url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      throw new AttemptError(`cannot reach ${options.url}: ${(err as Error).message}`, true);
    }
    try {
      refuseDowngrade(options.url, response.url);
    } catch (err) {
      await response.body?.cancel();
      throw new AttemptError((err as Error).message, false);
    }
    if (response.status === 416 && have > 0) {
      // Nothing after what we have: complete only if the server's size is the .partial's.
      const size = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
      await response.body?.cancel();
      if (size !== undefined && Number(size) === have) {
        resumedAt.push(have);
        return;
      }
      await startOver(partial, metaPath);
      await attempt(options, attemptNo, resumedAt);
      return;
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new AttemptError(
        `${options.url}: HTTP ${String(response.status)} ${response.statusText}`,
        response.status >= 500,
      );
    }
    const resumed = response.status === 206 && have > 0;
    if (response.status === 206 && !resumed)
      throw new AttemptError('the server sent a part that was not asked for', false);
    if (resumed) {
      // The part must start where the .partial ends and run to the end of the file.
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
      if (range === null || Number(range[1]) !== have || Number(range[2]) + 1 !== Number(range[3])) {
        await response.body?.cancel();
        await startOver(partial, metaPath);
        await attempt(options, attemptNo, resumedAt);
        return;
      }
    } else {
      have = 0;
    }
    const start = have;
    if (resumed) resumedAt.push(start);
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    const total = Number.isFinite(length) ? start + length : options.expectedSize;
    await mkdir(dirname(partial), { recursive: true });
    if (!resumed) {
      // A new file: the old bytes go first, then its validators are saved, then its bytes are written.
      await startOver(partial, metaPath);
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      await writeMeta(metaPath, {
        url: options.url,
        ...(etag === null ? {} : { etag }),
        ...(lastModified === null ? {} : { lastModified }),
      });
    }
    if (response.body === null) throw new AttemptError('the server sent no body', true);
    options.onProgress?.({ received: start, total, resumedFrom: start, attempt: attemptNo });
    // Each chunk is written before the next is read, so that all that arrived is on disk when the
    // connection drops, and the next attempt resumes right after it.
    const handle = await open(partial, resumed ? 'a' : 'w', 0o600);
    let received = start;
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        await writeAll(handle, chunk);
        received += chunk.length;
        poke();
        options.onProgress?.({ received, total, resumedFrom: start, attempt: attemptNo });
      }
      await handle.sync();
    } catch (err) {
      throw new AttemptError(
        idle.signal.aborted
          ? `no data from ${options.url} for ${String(idleMs / 1000)} s`
          : `the download was interrupted: ${(err as Error).message}`,
        options.signal?.aborted !== true,
      );
    } finally {
      await handle.close();
    }
    const got = await sizeOf(partial);
    if (total !== undefined && got !== total) {
      throw new AttemptError(`the download stopped at ${String(got)} of ${String(total)} bytes`, true);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads url to dest (http(s) with resume, or a file:// copy). On failure the .partial stays, so
 * that the next run resumes it.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const parsed = new URL(options.url);
  await mkdir(dirname(options.dest), { recursive: true });
  // A copy from before is never used again (each deploy downloads anew): it goes first, to free its room.
  await rm(options.dest, { force: true });
  if (parsed.protocol === 'file:') return copyLocal(options, fileURLToPath(parsed));
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`cannot download ${parsed.protocol} URLs`);
  }
  const attempts = options.attempts ?? 4;
  const resumedAt: number[] = [];
  let last: Error | undefined;
  for (let n = 1; n <= attempts; n += 1) {
    try {
      await attempt(options, n, resumedAt);
      const partial = `${options.dest}.partial`;
      const bytes = await sizeOf(partial);
      await complete(partial, options.dest);
      return { path: options.dest, bytes, attempts: n, resumedAt };
    } catch (err) {
      last = err as Error;
      if (!(err instanceof AttemptError) || !err.retry) break;
      if (n < attempts) await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** n, 4_000)));
    }
  }
  throw new Error(
    `${last?.message ?? 'the download failed'} (the part downloaded so far is kept in ${options.dest}.partial and is resumed next time)`,
  );
}
