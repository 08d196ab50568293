import { type FileHandle, open } from 'node:fs/promises';

/**
 * Appends one line per entry to a file, crash-safe: each line goes out in a single write(2) to a file
 * opened for appending, so a crash can cut only the line being written, and only at the end. Before
 * the first line of a process (and after a failed write), an incomplete last line left by a crash is
 * cut off and handed to `onTorn`, so that the next line starts a line of its own.
 */
export class LineAppender {
  #queue: Promise<unknown> = Promise.resolve();
  #checked = false;

  constructor(
    readonly file: string,
    private readonly options: { mode?: number; onTorn?: (fragment: string) => void } = {},
  ) {}

  /** Appends `line` (which must not hold a line break) and a line break; lines go out in call order. */
  append(line: string): Promise<void> {
    if (/[\n\r]/.test(line)) return Promise.reject(new Error('a line to append holds a line break'));
    const next = this.#queue.then(() => this.#write(Buffer.from(`${line}\n`, 'utf8')));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #write(bytes: Buffer): Promise<void> {
    // a+: appends, and reads the end of the file to find a torn line.
    const handle = await open(this.file, 'a+', this.options.mode ?? 0o600);
    try {
      if (!this.#checked) {
        await this.#cutTornLine(handle);
        this.#checked = true;
      }
      let written = 0;
      try {
        ({ bytesWritten: written } = await handle.write(bytes, 0, bytes.length));
      } finally {
        if (written !== bytes.length) this.#checked = false;
      }
      if (written !== bytes.length) {
        throw new Error(`only ${String(written)} of ${String(bytes.length)} bytes of the line were written`);
      }
    } finally {
      await handle.close();
    }
  }

  async #cutTornLine(handle: FileHandle): Promise<void> {
    const { size } = await handle.stat();
    let end = size;
    const chunk = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline === bytesRead - 1 && end === size) return;
      if (newline >= 0) {
        await this.#cut(handle, start + newline + 1, size);
        return;
      }
      end = start;
    }
    if (size > 0) await this.#cut(handle, 0, size);
  }

  async #cut(handle: FileHandle, at: number, size: number): Promise<void> {
    const fragment = Buffer.alloc(Math.min(size - at, 4096));
    await handle.read(fragment, 0, fragment.length, at);
    await handle.truncate(at);
    await handle.sync();
    this.options.onTorn?.(fragment.toString('utf8'));
  }
}

export interface JsonLines {
  /** Every whole line that parses, in order. */
  values: unknown[];
  /** Whole lines that do not parse as JSON, with their 1-based line numbers. */
  invalid: { line: number; text: string }[];
  /** An incomplete last line (no line break after it): what a crash mid-append leaves. */
  torn: string | undefined;
}

/** Reads a JSON-lines file's text; a torn last line is reported, not an error. */
export function parseJsonLines(text: string): JsonLines {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const result: JsonLines = { values: [], invalid: [], torn: last === '' ? undefined : last };
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      result.values.push(JSON.parse(line));
    } catch {
      result.invalid.push({ line: index + 1, text: line });
    }
  });
  return result;
}
