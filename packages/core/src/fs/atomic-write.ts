import { randomBytes } from 'node:crypto';
import { open, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// A temporary file names its writer's process: one whose process is gone was left by a crash.
const TEMPORARY = /^\..*\.nova-(\d+)-[0-9a-f]{12}\.tmp$/;
const cleaned = new Set<string>();

function temporaryName(path: string): string {
  // Short enough that a long file name still leaves room for the suffix.
  const base = basename(path).slice(0, 120);
  return join(dirname(path), `.${base}.nova-${String(process.pid)}-${randomBytes(6).toString('hex')}.tmp`);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user.
    return (err as { code?: string }).code !== 'ESRCH';
  }
}

/**
 * Removes the temporary files that writers killed mid-write left in `directory` (their process is
 * gone): names `pattern` matches, whose first group is the writer's pid. Returns their names.
 */
export async function removeStaleTemporaries(directory: string, pattern = TEMPORARY): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const pid = pattern.exec(name)?.[1];
    return pid !== undefined && !processAlive(Number(pid));
  });
  await Promise.all(stale.map((name) => rm(join(directory, name), { force: true })));
  return stale;
}

/** Flushes a file's content to disk (before a rename makes it the real one). */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename or a new file in it) to disk. */
export async function syncDirectory(directory: string): Promise<void> {
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The file a path names, through symbolic links: replacing a link would cut it off its target. */
async function target(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return path;
    throw err;
  }
}

/**
 * Replaces a file's content all at once: write a temporary file beside it, flush it to disk, rename it
 * over the original, flush the directory. A crash leaves the old file or the new one, never half, and
 * at most one temporary file, which the next write in that folder removes.
 * The file keeps its mode (and its owner, when root writes it); a new one gets `mode`.
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  mode = 0o644,
): Promise<void> {
  const file = await target(path);
  const directory = dirname(file);
  if (!cleaned.has(directory)) {
    await removeStaleTemporaries(directory);
    cleaned.add(directory);
  }
  const temporary = temporaryName(file);
  let keep: { mode: number; uid: number; gid: number } | undefined;
  try {
    const info = await stat(file);
    keep = { mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
  } catch {
    // a new file
  }
  const handle = await open(temporary, 'wx', keep?.mode ?? mode);
  try {
    try {
      if (keep !== undefined && process.getuid?.() === 0 && (keep.uid !== 0 || keep.gid !== 0)) {
        await handle.chown(keep.uid, keep.gid);
        // chown clears set-id bits.
        await handle.chmod(keep.mode);
      }
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  await syncDirectory(directory);
}
