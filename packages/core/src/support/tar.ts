// A minimal ustar (POSIX tar) writer for support bundles: regular files and folders from memory. Pure:
// entries in, bytes out; the caller gzips and writes them. Enough for GNU tar, bsdtar and npm's tar.

export interface TarEntry {
  /** A relative path with '/' separators; folders end without a slash. */
  path: string;
  content?: Uint8Array;
  /** A folder instead of a file. */
  directory?: boolean;
  mode?: number;
  /** Seconds since the epoch. */
  mtime: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar wants.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** Splits a path into ustar's name (100 bytes) and prefix (155 bytes), or throws if it cannot. */
export function splitTarPath(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).length <= 100) return { name: path, prefix: '' };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return { name, prefix };
  }
  throw new Error(`path too long for a tar archive: ${path}`);
}

function header(entry: TarEntry, size: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const write = (offset: number, text: string, width: number) => {
    const bytes = encoder.encode(text);
    block.set(bytes.subarray(0, width), offset);
  };
  const { name, prefix } = splitTarPath(entry.directory === true ? `${entry.path}/` : entry.path);
  write(0, name, 100);
  write(100, octal(entry.mode ?? (entry.directory === true ? 0o755 : 0o644), 8), 8);
  write(108, octal(0, 8), 8);
  write(116, octal(0, 8), 8);
  write(124, octal(size, 12), 12);
  write(136, octal(Math.max(0, Math.floor(entry.mtime)), 12), 12);
  write(148, '        ', 8);
  write(156, entry.directory === true ? '5' : '0', 1);
  write(257, 'ustar\0', 6);
  write(263, '00', 2);
  write(265, 'root', 32);
  write(297, 'root', 32);
  write(345, prefix, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  write(148, `${sum.toString(8).padStart(6, '0')}\0 `, 8);
  return block;
}

/** The archive: each entry's header and content padded to 512 bytes, then two empty blocks. */
export function tarArchive(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    const content = entry.directory === true ? new Uint8Array(0) : (entry.content ?? new Uint8Array(0));
    parts.push(header(entry, content.length));
    total += BLOCK;
    if (content.length > 0) {
      parts.push(content);
      const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
      parts.push(new Uint8Array(padding));
      total += content.length + padding;
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  total += 2 * BLOCK;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
