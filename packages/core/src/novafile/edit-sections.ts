// Editing whole sections of a NovaFile: the lines a [table] owns, new [table] blocks, a table replaced
// where it stands, and a key added to a section. Pure.
import type { AST } from 'toml-eslint-parser';

import {
  type Doc,
  isBlank,
  isString,
  keyNames,
  lineOf,
  lineText,
  type Section,
  startsWith,
} from './edit-doc.js';
import type { Path } from './edit-input.js';
import { withLines } from './edit-lines.js';
import { isPlainObject, valueText } from './edit-values.js';
import { tomlHeader, tomlKey } from './toml-write.js';

/** The last line of a section's header and key/value lines. */
function sectionEnd(doc: Doc, table: AST.TOMLTable): number {
  return lineOf(doc, table.range[1] - 1);
}

/**
 * The lines a table owns: the comment lines right above its header, the header, its keys, and comment
 * lines right after them unless those sit right above the next header (then they are that one's).
 */
export function sectionSpan(doc: Doc, table: AST.TOMLTable): { first: number; last: number } {
  let first = lineOf(doc, table.range[0]);
  while (first > 0 && doc.commentLines.has(first - 1)) first--;
  let last = sectionEnd(doc, table);
  let after = last;
  while (doc.commentLines.has(after + 1)) after++;
  if (after > last && !doc.headerLines.has(after + 1)) last = after;
  return { first, last };
}

export function markSpan(removed: Set<number>, first: number, last: number): void {
  for (let index = first; index <= last; index++) removed.add(index);
}

/** Lines of a [table] block: scalars first, then objects as sub-tables and lists of objects as [[...]]. */
function emitBlock(
  header: readonly string[],
  entries: Record<string, unknown>,
  array: boolean,
  where: Path,
): string[] {
  const lines = [tomlHeader(header, array)];
  const blocks: string[][] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    if (isPlainObject(value) && Object.values(value).some((item) => item !== undefined)) {
      blocks.push(emitBlock([...header, key], value, false, [...where, key]));
    } else if (Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
      value.forEach((item, index) => {
        blocks.push(emitBlock([...header, key], item, true, [...where, key, index]));
      });
    } else {
      lines.push(`${tomlKey(key)} = ${valueText([...where, key], value)}`);
    }
  }
  for (const block of blocks) lines.push('', ...block);
  return lines;
}

/**
 * Adds a new [table] (or [[table]] element) block. A header binds to the latest element of every list
 * of tables on its path, so a path through an element goes right after that element's tables;
 * anything else goes at the end of the file.
 */
export function appendSection(doc: Doc, path: Path, entries: Record<string, unknown>, array = false): string {
  const block = emitBlock(path.filter(isString), entries, array, path);
  let at = doc.lines.length;
  const lastIndex = path.findLastIndex((part) => typeof part === 'number');
  if (lastIndex >= 0) {
    const element = path.slice(0, lastIndex + 1);
    const owned = doc.sections.filter(
      (section) => section.table !== undefined && startsWith(section.path, element),
    );
    const lastTable = owned.at(-1)?.table;
    if (lastTable !== undefined) at = sectionEnd(doc, lastTable) + 1;
  }
  const lines = at > 0 && !isBlank(lineText(doc, at - 1)) ? ['', ...block] : block;
  if (at < doc.lines.length && !isBlank(lineText(doc, at))) lines.push('');
  return withLines(doc, new Set(), at, lines);
}

/** Replaces a [table] or [[table]] element where it stands; the comments above its header stay. */
export function replaceSection(
  doc: Doc,
  section: Section,
  table: AST.TOMLTable,
  entries: Record<string, unknown>,
): string {
  const removed = new Set<number>();
  for (const other of doc.sections) {
    if (other !== section && other.table !== undefined && startsWith(other.path, section.path)) {
      const span = sectionSpan(doc, other.table);
      markSpan(removed, span.first, span.last);
    }
  }
  const header = lineOf(doc, table.range[0]);
  markSpan(removed, header, sectionEnd(doc, table));
  const block = emitBlock(section.path.filter(isString), entries, table.kind === 'array', section.path);
  return withLines(doc, removed, header, block);
}

/** Adds `keys = value` after the last key/value line of a section (of those under `group`, if given). */
export function insertKeyValue(
  doc: Doc,
  section: Section,
  keys: readonly string[],
  text: string,
  group?: readonly string[],
): string {
  const line = `${keys.map(tomlKey).join('.')} = ${text}`;
  const siblings =
    group === undefined ? section.body : section.body.filter((pair) => startsWith(keyNames(pair.key), group));
  const anchor = siblings.at(-1) ?? section.body.at(-1);
  if (anchor !== undefined) {
    const first = doc.lines[lineOf(doc, anchor.range[0])];
    const indent = first === undefined ? '' : doc.text.slice(first.start, anchor.range[0]);
    return withLines(doc, new Set(), lineOf(doc, anchor.range[1] - 1) + 1, [indent + line]);
  }
  if (section.table !== undefined) {
    const header = doc.lines[lineOf(doc, section.table.range[0])];
    const indent = header === undefined ? '' : doc.text.slice(header.start, section.table.range[0]);
    return withLines(doc, new Set(), sectionEnd(doc, section.table) + 1, [indent + line]);
  }
  // A top-level key goes before the first table and the comments that introduce it.
  const firstTable = doc.sections[1]?.table;
  if (firstTable === undefined) return withLines(doc, new Set(), doc.lines.length, [line]);
  return withLines(doc, new Set(), sectionSpan(doc, firstTable).first, [line, '']);
}
