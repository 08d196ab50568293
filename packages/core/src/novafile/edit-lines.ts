// Writing an edited NovaFile: byte splices inside a line, or whole lines removed and added. Pure.
import { type Doc, isBlank } from './edit-doc.js';

export interface Splice {
  start: number;
  end: number;
  text: string;
}

interface LinePlan {
  removed: Set<number>;
  /** Lines to write before line n; the key lines.length appends at the end. */
  before: Map<number, string[]>;
}

export function splice(text: string, changes: readonly Splice[]): string {
  let out = text;
  for (const change of [...changes].sort((a, b) => b.start - a.start))
    out = out.slice(0, change.start) + change.text + out.slice(change.end);
  return out;
}

/** Writes the lines that stay and the new ones; blank lines that end up doubled by a removal collapse. */
function renderLines(doc: Doc, plan: LinePlan): string {
  const out: { text: string; eol: string }[] = [];
  // True while nothing but blank lines was written since a line was removed.
  let afterRemoval = false;
  const lastIsBlank = (): boolean => {
    const last = out.at(-1);
    return last === undefined || isBlank(last.text);
  };
  for (let index = 0; index <= doc.lines.length; index++) {
    for (const text of plan.before.get(index) ?? []) {
      out.push({ text, eol: doc.eol });
      if (!isBlank(text)) afterRemoval = false;
    }
    const line = doc.lines[index];
    if (line === undefined) break;
    if (plan.removed.has(index)) {
      afterRemoval = true;
      continue;
    }
    const text = doc.text.slice(line.start, line.end);
    if (isBlank(text)) {
      if (afterRemoval && lastIsBlank()) continue;
    } else {
      afterRemoval = false;
    }
    out.push({ text, eol: line.eol === '' ? doc.eol : line.eol });
  }
  if (afterRemoval) while (out.length > 0 && lastIsBlank()) out.pop();
  const keepsFinalNewline = doc.text === '' || doc.text.endsWith('\n');
  const last = out.at(-1);
  if (last !== undefined && !keepsFinalNewline) last.eol = '';
  return out.map((line) => line.text + line.eol).join('');
}

export function withLines(doc: Doc, removed: Set<number>, at?: number, lines?: string[]): string {
  const before = new Map<number, string[]>();
  if (at !== undefined && lines !== undefined) before.set(at, lines);
  return renderLines(doc, { removed, before });
}
