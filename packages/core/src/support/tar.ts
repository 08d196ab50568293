// Gzipped tar archives of files held in memory, for support bundles. The `tar` package (node-tar) does
// the format: headers, paths too long for one header field (ustar prefix, or a PAX header past that),
// padding, the end of the archive, and gzip. What stays here is only the hand-over: node-tar's own
// create() packs files it reads from the disk, while a bundle's redacted contents exist only in memory
// and must not reach the disk before the finished archive does. node-tar's packer also takes entries
// read from another archive (ReadEntry); each file is given to it in that form, its content included.
import { Header, Pack, ReadEntry } from 'tar';

export interface TarEntry {
  /** A relative path with '/' separators; folders end without a slash. */
  path: string;
  content?: Uint8Array;
  /** A folder instead of a file. */
  directory?: boolean;
  /** Permission bits; default 0644 for a file, 0755 for a folder. */
  mode?: number;
  /** Seconds since the epoch. */
  mtime: number;
}

/** One entry as node-tar's packer takes it: its header, then its whole content, ended. */
function readEntry(entry: TarEntry): ReadEntry {
  const directory = entry.directory === true;
  const content = directory ? Buffer.alloc(0) : Buffer.from(entry.content ?? new Uint8Array(0));
  const header = new Header({
    // As GNU tar writes them: a folder's name ends with a slash.
    path: directory ? `${entry.path}/` : entry.path,
    type: directory ? 'Directory' : 'File',
    mode: entry.mode ?? (directory ? 0o755 : 0o644),
    // Owned by root, whoever made the bundle: its users' names and ids are not the reader's business.
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
    size: content.length,
    mtime: new Date(Math.max(0, Math.floor(entry.mtime)) * 1000),
  });
  const read = new ReadEntry(header);
  if (content.length > 0) read.write(content);
  read.end();
  return read;
}

/** The gzipped archive of `entries`, in their order (a folder before what it holds). */
export async function tarGzArchive(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = new Pack({ gzip: true });
  const archive = pack.concat();
  for (const entry of entries) pack.add(readEntry(entry));
  pack.end();
  return archive;
}
