// A line diff (Myers' O(ND) greedy algorithm, with the trace kept to walk the path back) and its unified
// form, for showing what the wizard changes in a NovaFile. Pure.
import type { DiffHunk, DiffLine } from './answers.js';

/** Splits text into lines without their line breaks; a final line break does not make an empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Every line of both texts, in order, marked as kept, added or removed: a shortest edit script. */
export function diffLines(oldLines: readonly string[], newLines: readonly string[]): DiffLine[] {
  const n = oldLines.length;
  const m = newLines.length;
  const max = n + m;
  const offset = max + 1;
  // v[k + offset]: the furthest x reached on diagonal k; one snapshot per d to walk the path back.
  let v = new Array<number>(2 * max + 3).fill(0);
  const trace: number[][] = [];
  let found = max === 0;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[k - 1 + offset] ?? 0) < (v[k + 1 + offset] ?? 0));
      let x = down ? (v[k + 1 + offset] ?? 0) : (v[k - 1 + offset] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && oldLines[x] === newLines[y]) {
        x++;
        y++;
      }
      next[k + offset] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  trace.push(v);

  // Walk back from (n, m) through the snapshots, collecting the script backwards.
  const script: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    const before = trace[d] ?? [];
    const k = x - y;
    const down = k === -d || (k !== d && (before[k - 1 + offset] ?? 0) < (before[k + 1 + offset] ?? 0));
    const previousK = down ? k + 1 : k - 1;
    const previousX = before[previousK + offset] ?? 0;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      x--;
      y--;
      script.push({ kind: 'context', text: oldLines[x] ?? '', oldLine: x + 1, newLine: y + 1 });
    }
    if (d === 0) break;
    if (down) {
      y--;
      script.push({ kind: 'added', text: newLines[y] ?? '', newLine: y + 1 });
    } else {
      x--;
      script.push({ kind: 'removed', text: oldLines[x] ?? '', oldLine: x + 1 });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    script.push({ kind: 'context', text: oldLines[x] ?? '', oldLine: x + 1, newLine: y + 1 });
  }
  return script.reverse();
}

/** Groups a script into hunks with `context` unchanged lines around each change. */
export function diffHunks(script: readonly DiffLine[], context = 3): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  const changed = script.flatMap((line, index) => (line.kind === 'context' ? [] : [index]));
  let i = 0;
  while (i < changed.length) {
    const first = changed[i] ?? 0;
    let last = first;
    // Changes closer than twice the context share a hunk.
    while (i + 1 < changed.length && (changed[i + 1] ?? 0) - last <= 2 * context) last = changed[++i] ?? last;
    i++;
    const start = Math.max(0, first - context);
    const end = Math.min(script.length, last + context + 1);
    const lines = script.slice(start, end);
    // Where the hunk starts in each text: the line numbers of what comes before it, plus one.
    let oldBefore = 0;
    let newBefore = 0;
    for (const line of script.slice(0, start)) {
      if (line.kind !== 'added') oldBefore++;
      if (line.kind !== 'removed') newBefore++;
    }
    const oldLines = lines.filter((line) => line.kind !== 'added').length;
    const newLines = lines.filter((line) => line.kind !== 'removed').length;
    hunks.push({
      oldStart: oldLines === 0 ? oldBefore : oldBefore + 1,
      oldLines,
      newStart: newLines === 0 ? newBefore : newBefore + 1,
      newLines,
      lines,
    });
  }
  return hunks;
}

const MARK: Record<DiffLine['kind'], string> = { context: ' ', added: '+', removed: '-' };

/** The unified diff of two texts ("" when they are equal). */
export function unifiedDiff(
  oldText: string,
  newText: string,
  names: { old: string; new: string } = { old: 'a/NovaFile', new: 'b/NovaFile' },
): { hunks: DiffHunk[]; diff: string } {
  const hunks = diffHunks(diffLines(splitLines(oldText), splitLines(newText)));
  if (hunks.length === 0) return { hunks, diff: '' };
  const out = [`--- ${names.old}`, `+++ ${names.new}`];
  for (const hunk of hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) out.push(`${MARK[line.kind]}${line.text}`);
  }
  return { hunks, diff: `${out.join('\n')}\n` };
}
