// Editing a NovaFile's text in place: only the bytes of what changes are touched, so comments, blank
// lines, key order and spacing of everything else survive. Every result is parsed again and checked
// against the edit before anyone sees it.
import { readFile } from 'node:fs/promises';

import type { AST } from 'toml-eslint-parser';

import { NovaError } from '../contract/errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { dottedPath, formatNovaFileError, readNovaFile } from './read.js';
import type { NovaFileModel } from './schema.js';
import type { HostFacts } from './semantics.js';
import { parseTomlSource } from './toml-source.js';
import { tomlHeader, tomlKey, tomlValue } from './toml-write.js';

/** A value TOML can write on one line: a scalar, or an array or inline table of those. */
export type TomlScalarOrInline =
  string | number | boolean | readonly TomlScalarOrInline[] | { readonly [key: string]: TomlScalarOrInline };

export type NovaFileEdit =
  /** Sets a key's value, creating the key (and its table) if needed. */
  | { op: 'set'; path: readonly (string | number)[]; value: TomlScalarOrInline }
  /** Removes a key, an array element, or a whole table with its sub-tables. Absent paths are no-ops. */
  | { op: 'remove'; path: readonly (string | number)[] }
  /** Adds or replaces a whole table: objects become sub-tables, arrays of objects [[...]] tables. */
  | { op: 'setTable'; path: readonly string[]; entries: Record<string, unknown> };

type Part = string | number;
type Path = readonly Part[];

interface Line {
  start: number;
  /** Where the line's text ends, before its line break. */
  end: number;
  eol: string;
}

/** The top level (no header), a [table], or one [[table]] element, with its key/value lines. */
interface Section {
  path: Path;
  table: AST.TOMLTable | undefined;
  body: AST.TOMLKeyValue[];
}

/** How the file defines a path. */
type Place =
  | { kind: 'section'; section: Section }
  /** A table that exists only through its sub-tables' headers ([vm.web] makes vm). */
  | { kind: 'implicit' }
  | { kind: 'tables'; sections: Section[] }
  /** A table made by dotted keys (env.PORT = "1") in a section. */
  | { kind: 'dotted'; section: Section; keys: string[] }
  | { kind: 'value'; node: AST.TOMLContentNode }
  /** A table made by dotted keys inside an inline table ({ a.b = 1 }). */
  | { kind: 'inlineDotted'; inline: AST.TOMLInlineTable; keys: string[] };

interface Doc {
  text: string;
  value: Record<string, unknown>;
  sections: Section[];
  places: Map<string, Place>;
  lines: Line[];
  eol: string;
  commentLines: Set<number>;
  headerLines: Set<number>;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

interface LinePlan {
  removed: Set<number>;
  /** Lines to write before line n; the key lines.length appends at the end. */
  before: Map<number, string[]>;
}

const placeKey = (path: Path): string => JSON.stringify(path);
const isString = (part: Part): part is string => typeof part === 'string';
const isBlank = (text: string): boolean => /^[ \t]*$/.test(text);
const invalid = (message: string, detail?: string): NovaError =>
  new NovaError('invalid-input', message, detail);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function startsWith(path: Path, prefix: Path): boolean {
  return path.length >= prefix.length && prefix.every((part, index) => path[index] === part);
}

function keyNames(key: AST.TOMLKey): string[] {
  return key.keys.map((part) => (part.type === 'TOMLBare' ? part.name : part.value));
}

function describePath(path: Path): string {
  return path.length === 0 ? 'the top level' : dottedPath(path);
}

// ── Reading the text into sections, places and lines ────────────────────────────────────────────

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    if (newline === -1) {
      lines.push({ start, end: text.length, eol: '' });
      break;
    }
    const crlf = newline > start && text[newline - 1] === '\r';
    lines.push({ start, end: crlf ? newline - 1 : newline, eol: crlf ? '\r\n' : '\n' });
    start = newline + 1;
  }
  return lines;
}

function lineOf(doc: Pick<Doc, 'lines'>, offset: number): number {
  let low = 0;
  let high = doc.lines.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((doc.lines[middle]?.start ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

function lineText(doc: Doc, index: number): string {
  const line = doc.lines[index];
  return line === undefined ? '' : doc.text.slice(line.start, line.end);
}

function parseDoc(text: string, after: NovaFileEdit | undefined): Doc {
  const parsed = parseTomlSource(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    if (after === undefined) {
      throw invalid(
        `the NovaFile is not valid TOML (line ${line}, column ${column}: ${message})`,
        'Fix the file by hand first; Nova edits only files it can read.',
      );
    }
    // The edits only write what TOML allows; reaching this is a bug, and the guard keeps the file safe.
    throw new NovaError(
      'failed',
      `${describeEdit(after)} would have made the NovaFile unreadable (${message}); nothing was changed`,
      'This is a bug in Nova; please report it with the NovaFile.',
    );
  }
  const { ast, value } = parsed.source;
  const lines = splitLines(text);
  const top = ast.body[0];
  const root: Section = {
    path: [],
    table: undefined,
    body: top.body.filter((node): node is AST.TOMLKeyValue => node.type === 'TOMLKeyValue'),
  };
  const sections: Section[] = [root];
  const places = new Map<string, Place>([[placeKey([]), { kind: 'section', section: root }]]);
  const doc: Doc = {
    text,
    value,
    sections,
    places,
    lines,
    eol: lines.find((line) => line.eol !== '')?.eol ?? '\n',
    commentLines: new Set(),
    headerLines: new Set(),
  };

  for (const node of top.body) {
    if (node.type !== 'TOMLTable') continue;
    const path = node.resolvedKey;
    const section: Section = { path, table: node, body: node.body };
    sections.push(section);
    doc.headerLines.add(lineOf(doc, node.range[0]));
    for (let depth = 1; depth < path.length; depth++) {
      const prefix = placeKey(path.slice(0, depth));
      if (!places.has(prefix)) places.set(prefix, { kind: 'implicit' });
    }
    places.set(placeKey(path), { kind: 'section', section });
    if (node.kind === 'array') {
      const list = placeKey(path.slice(0, -1));
      const existing = places.get(list);
      if (existing?.kind === 'tables') existing.sections.push(section);
      else places.set(list, { kind: 'tables', sections: [section] });
    }
  }

  const indexContent = (path: Path, node: AST.TOMLContentNode): void => {
    if (node.type === 'TOMLArray') {
      node.elements.forEach((element, index) => {
        places.set(placeKey([...path, index]), { kind: 'value', node: element });
        indexContent([...path, index], element);
      });
    } else if (node.type === 'TOMLInlineTable') {
      for (const pair of node.body)
        indexPair(path, pair, (keys) => ({ kind: 'inlineDotted', inline: node, keys }));
    }
  };
  const indexPair = (base: Path, pair: AST.TOMLKeyValue, dotted: (keys: string[]) => Place): void => {
    const names = keyNames(pair.key);
    for (let depth = 1; depth < names.length; depth++) {
      const prefix = placeKey([...base, ...names.slice(0, depth)]);
      // Dotted keys win over headers of sub-tables: such a table may not get a [header] of its own.
      const existing = places.get(prefix);
      if (existing === undefined || existing.kind === 'implicit')
        places.set(prefix, dotted(names.slice(0, depth)));
    }
    const full = [...base, ...names];
    places.set(placeKey(full), { kind: 'value', node: pair.value });
    indexContent(full, pair.value);
  };
  for (const section of sections) {
    for (const pair of section.body)
      indexPair(section.path, pair, (keys) => ({ kind: 'dotted', section, keys }));
  }

  for (const comment of ast.comments) {
    const index = lineOf(doc, comment.range[0]);
    const line = lines[index];
    if (line !== undefined && isBlank(text.slice(line.start, comment.range[0]))) doc.commentLines.add(index);
  }
  return doc;
}

// ── Writing: byte splices inside a line, or whole lines removed and added ────────────────────────

function splice(text: string, changes: readonly Splice[]): string {
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

function withLines(doc: Doc, removed: Set<number>, at?: number, lines?: string[]): string {
  const before = new Map<number, string[]>();
  if (at !== undefined && lines !== undefined) before.set(at, lines);
  return renderLines(doc, { removed, before });
}

// ── Values ───────────────────────────────────────────────────────────────────────────────────────

function checkValue(where: Path, value: unknown): void {
  const fail = (what: string): never => {
    throw invalid(`${describePath(where)}: ${what}`);
  };
  if (typeof value === 'string') {
    if (/\p{Surrogate}/u.test(value)) fail('the text holds a broken Unicode character');
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('TOML has no place for NaN or infinity');
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) fail(`${value} is too large an integer`);
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      checkValue([...where, index], item);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (/\p{Surrogate}/u.test(key)) fail('a key holds a broken Unicode character');
      if (item !== undefined) checkValue([...where, key], item);
    }
  } else if (typeof value !== 'boolean') {
    fail(
      `TOML cannot hold ${value === null ? 'null' : value instanceof Date ? 'a date here' : typeof value}`,
    );
  }
}

function valueText(where: Path, value: unknown): string {
  checkValue(where, value);
  return tomlValue(value);
}

/** The value as reading its TOML gives it back: without undefined entries. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, plain(item)]),
    );
  }
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item: unknown, index) => sameValue(item, b[index]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => key in b && sameValue(a[key], b[key]))
    );
  }
  return a === b;
}

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[String(part)];
  }
  return current;
}

function describeNode(node: AST.TOMLContentNode): string {
  if (node.type === 'TOMLArray') return 'an array';
  if (node.type === 'TOMLInlineTable') return 'a table';
  switch (node.kind) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'float':
      return 'a float';
    case 'boolean':
      return 'a boolean';
    default:
      return 'a date';
  }
}

// ── Sections: their lines, and new ones ──────────────────────────────────────────────────────────

/** The last line of a section's header and key/value lines. */
function sectionEnd(doc: Doc, table: AST.TOMLTable): number {
  return lineOf(doc, table.range[1] - 1);
}

/**
 * The lines a table owns: the comment lines right above its header, the header, its keys, and comment
 * lines right after them unless those sit right above the next header (then they are that one's).
 */
function sectionSpan(doc: Doc, table: AST.TOMLTable): { first: number; last: number } {
  let first = lineOf(doc, table.range[0]);
  while (first > 0 && doc.commentLines.has(first - 1)) first--;
  let last = sectionEnd(doc, table);
  let after = last;
  while (doc.commentLines.has(after + 1)) after++;
  if (after > last && !doc.headerLines.has(after + 1)) last = after;
  return { first, last };
}

function markSpan(removed: Set<number>, first: number, last: number): void {
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
function appendSection(doc: Doc, path: Path, entries: Record<string, unknown>, array = false): string {
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
function replaceSection(
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
function insertKeyValue(
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

// ── Inside one value: arrays and inline tables ───────────────────────────────────────────────────

/** Removes items of an array or inline table together with the commas between them. */
function removeItems(
  container: AST.HasLocs,
  items: readonly AST.HasLocs[],
  remove: ReadonlySet<number>,
  empty: string,
): Splice[] {
  const lastKept = items.findLastIndex((_, index) => !remove.has(index));
  if (lastKept === -1) return [{ start: container.range[0], end: container.range[1], text: empty }];
  const splices: Splice[] = [];
  items.forEach((item, index) => {
    const next = items[index + 1];
    if (remove.has(index) && index < lastKept && next !== undefined)
      splices.push({ start: item.range[0], end: next.range[0], text: '' });
  });
  const lastRemoved = items.findLastIndex((_, index) => remove.has(index));
  const keptEnd = items[lastKept]?.range[1];
  const removedEnd = items[lastRemoved]?.range[1];
  if (lastRemoved > lastKept && keptEnd !== undefined && removedEnd !== undefined)
    splices.push({ start: keptEnd, end: removedEnd, text: '' });
  return splices;
}

function removeInContent(node: AST.TOMLContentNode, path: Path): Splice[] {
  const [head, ...rest] = path;
  if (head === undefined) return [];
  if (node.type === 'TOMLArray') {
    if (typeof head !== 'number') return [];
    const element = node.elements[head];
    if (element === undefined) return [];
    return rest.length === 0
      ? removeItems(node, node.elements, new Set([head]), '[]')
      : removeInContent(element, rest);
  }
  if (node.type !== 'TOMLInlineTable') return [];
  const remove = new Set<number>();
  for (const [index, pair] of node.body.entries()) {
    const names = keyNames(pair.key);
    if (startsWith(names, path)) remove.add(index);
    else if (startsWith(path, names)) return removeInContent(pair.value, path.slice(names.length));
  }
  return remove.size === 0 ? [] : removeItems(node, node.body, remove, '{}');
}

function insertInline(doc: Doc, inline: AST.TOMLInlineTable, keys: readonly string[], text: string): string {
  const entry = `${keys.map(tomlKey).join('.')} = ${text}`;
  const last = inline.body.at(-1);
  if (last === undefined)
    return splice(doc.text, [{ start: inline.range[0], end: inline.range[1], text: `{ ${entry} }` }]);
  return splice(doc.text, [{ start: last.range[1], end: last.range[1], text: `, ${entry}` }]);
}

// ── The three edits ──────────────────────────────────────────────────────────────────────────────

/** Takes a table or value out so that it can be written anew; the text must change, or that is a bug. */
function removeForRewrite(doc: Doc, path: Path, edit: NovaFileEdit): Doc {
  const text = removeAt(doc, path);
  if (text === doc.text) {
    throw new NovaError(
      'failed',
      `${describeEdit(edit)}: Nova could not take out the old ${describePath(path)}`,
      'This is a bug in Nova; please report it with the NovaFile.',
    );
  }
  return parseDoc(text, edit);
}

function removeAt(doc: Doc, path: Path): string {
  const removed = new Set<number>();
  const splices: Splice[] = [];
  for (const section of doc.sections) {
    if (section.table !== undefined && startsWith(section.path, path)) {
      const span = sectionSpan(doc, section.table);
      markSpan(removed, span.first, span.last);
    }
    for (const pair of section.body) {
      const full = [...section.path, ...keyNames(pair.key)];
      if (startsWith(full, path)) {
        markSpan(removed, lineOf(doc, pair.range[0]), lineOf(doc, pair.range[1] - 1));
      } else if (startsWith(path, full)) {
        splices.push(...removeInContent(pair.value, path.slice(full.length)));
      }
    }
  }
  if (splices.length > 0) return splice(doc.text, splices);
  return removed.size === 0 ? doc.text : withLines(doc, removed);
}

function setAt(doc: Doc, path: Path, value: unknown, edit: NovaFileEdit): string {
  const fail = (why: string): NovaError => invalid(`${describeEdit(edit)}: ${why}`);
  if (sameValue(valueAt(doc.value, path), plain(value))) return doc.text;
  const place = doc.places.get(placeKey(path));
  if (place?.kind === 'value') {
    return splice(doc.text, [
      { start: place.node.range[0], end: place.node.range[1], text: valueText(path, value) },
    ]);
  }
  if (place?.kind === 'section' && place.section.table !== undefined) {
    if (isPlainObject(value)) return replaceSection(doc, place.section, place.section.table, value);
    if (place.section.table.kind === 'array') throw fail('an element of a list of tables must be a table');
  }
  if (place !== undefined) {
    // A table becomes a value: take the table out, then add the key like any new one.
    return setAt(removeForRewrite(doc, path, edit), path, value, edit);
  }

  const last = path.at(-1);
  const parentPath = path.slice(0, -1);
  if (typeof last === 'number') {
    const parent = doc.places.get(placeKey(parentPath));
    const count =
      parent?.kind === 'tables'
        ? parent.sections.length
        : parent?.kind === 'value' && parent.node.type === 'TOMLArray'
          ? parent.node.elements.length
          : undefined;
    if (count === undefined && parent === undefined && last === 0)
      return setAt(doc, parentPath, [value], edit);
    if (count === undefined) throw fail(`${describePath(parentPath)} is not an array`);
    if (last !== count)
      throw fail(`there is no element ${last} in ${describePath(parentPath)} (it has ${count})`);
    if (parent?.kind === 'tables') {
      if (!isPlainObject(value)) throw fail('an element of a list of tables must be a table');
      return appendSection(doc, parentPath, value, true);
    }
    if (parent?.kind === 'value' && parent.node.type === 'TOMLArray') {
      const array = parent.node;
      const text = valueText(path, value);
      const lastElement = array.elements.at(-1);
      return lastElement === undefined
        ? splice(doc.text, [{ start: array.range[0], end: array.range[1], text: `[${text}]` }])
        : splice(doc.text, [{ start: lastElement.range[1], end: lastElement.range[1], text: `, ${text}` }]);
    }
  }

  let depth = parentPath.length;
  while (depth > 0 && !doc.places.has(placeKey(path.slice(0, depth)))) depth--;
  const anchorPath = path.slice(0, depth);
  const anchor = doc.places.get(placeKey(anchorPath));
  const rest = path.slice(depth);
  const missingIndex = rest.findIndex((part) => typeof part === 'number');
  if (missingIndex > 0) {
    throw fail(
      `${describePath(path.slice(0, depth + missingIndex))} does not exist, so it has no element ${String(rest[missingIndex])}`,
    );
  }
  if (missingIndex === 0) {
    const count =
      anchor?.kind === 'tables'
        ? anchor.sections.length
        : anchor?.kind === 'value' && anchor.node.type === 'TOMLArray'
          ? anchor.node.elements.length
          : undefined;
    throw fail(
      count === undefined
        ? `${describePath(anchorPath)} is ${anchor?.kind === 'value' ? describeNode(anchor.node) : 'a table'}, not an array`
        : `there is no element ${String(rest[0])} in ${describePath(anchorPath)} (it has ${count})`,
    );
  }
  const keys = rest.filter(isString);
  const text = (): string => valueText(path, value);
  switch (anchor?.kind) {
    case 'value':
      if (anchor.node.type === 'TOMLInlineTable') return insertInline(doc, anchor.node, keys, text());
      throw fail(`${describePath(anchorPath)} is ${describeNode(anchor.node)}, not a table`);
    case 'inlineDotted':
      return insertInline(doc, anchor.inline, [...anchor.keys, ...keys], text());
    case 'tables':
      throw fail(
        `${describePath(anchorPath)} is a list of tables; name an element by its number, as in ${dottedPath([...anchorPath, 0, ...keys])}`,
      );
    case 'dotted':
      // Keep the user's style: env.PORT = "1" gets a sibling env.HOST = "…".
      return insertKeyValue(doc, anchor.section, [...anchor.keys, ...keys], text(), anchor.keys);
    case 'section':
      if (keys.length === 1) return insertKeyValue(doc, anchor.section, keys, text());
      return appendSection(doc, parentPath, { [keys.at(-1) ?? '']: value });
    case 'implicit':
    case undefined:
      return appendSection(doc, parentPath, { [keys.at(-1) ?? '']: value });
  }
}

function setTableAt(doc: Doc, path: Path, entries: Record<string, unknown>, edit: NovaFileEdit): string {
  if (sameValue(valueAt(doc.value, path), plain(entries))) return doc.text;
  const place = doc.places.get(placeKey(path));
  if (place?.kind === 'section' && place.section.table !== undefined)
    return replaceSection(doc, place.section, place.section.table, entries);
  if (place !== undefined) return setTableAt(removeForRewrite(doc, path, edit), path, entries, edit);
  let depth = path.length - 1;
  while (depth > 0 && !doc.places.has(placeKey(path.slice(0, depth)))) depth--;
  const anchor = doc.places.get(placeKey(path.slice(0, depth)));
  // Under an inline or dotted table a header is not allowed (or not clear): write it as a value there.
  if (
    anchor?.kind === 'value' ||
    anchor?.kind === 'inlineDotted' ||
    anchor?.kind === 'dotted' ||
    anchor?.kind === 'tables'
  )
    return setAt(doc, path, entries, edit);
  return appendSection(doc, path, entries);
}

function describeEdit(edit: NovaFileEdit): string {
  const where = describePath(edit.path);
  if (edit.op === 'set') return `setting ${where}`;
  if (edit.op === 'remove') return `removing ${where}`;
  return `writing the table [${where}]`;
}

const EDIT_OPS: ReadonlySet<unknown> = new Set(['set', 'remove', 'setTable']);

function checkEdit(edit: NovaFileEdit): void {
  // Edits may come over IPC: check their shape, not only their type.
  const unknownEdit = edit as { op?: unknown; path?: unknown };
  if (!EDIT_OPS.has(unknownEdit.op)) throw invalid(`unknown NovaFile edit ${JSON.stringify(unknownEdit.op)}`);
  if (!Array.isArray(unknownEdit.path)) throw invalid('an edit of the NovaFile needs a path');
  const path = unknownEdit.path as unknown[];
  if (path.length === 0) throw invalid('an edit of the NovaFile needs a path that is not empty');
  for (const part of path) {
    const fine =
      typeof part === 'string'
        ? !/\p{Surrogate}/u.test(part)
        : typeof part === 'number' && Number.isSafeInteger(part) && part >= 0 && edit.op !== 'setTable';
    if (!fine)
      throw invalid(
        `${JSON.stringify(part)} cannot stand in the path of ${edit.op} ${dottedPath(path.map(String))}`,
      );
  }
  if (edit.op === 'setTable' && !isPlainObject(edit.entries))
    throw invalid(`${describeEdit(edit)}: the entries must be a table`);
}

/** Kinds of tables that exist only through what is in them: taking out the last of that ends them. */
const VANISHING: ReadonlySet<Place['kind']> = new Set(['implicit', 'dotted', 'inlineDotted', 'tables']);

/** What the file's plain value must be after the edit: the guard against a wrong text edit. */
function expectedValue(doc: Doc, edit: NovaFileEdit): unknown {
  const root = structuredClone(doc.value);
  const chain: unknown[] = [root];
  for (const [index, part] of edit.path.slice(0, -1).entries()) {
    const parent = chain.at(-1);
    if (typeof parent !== 'object' || parent === null) return root;
    const container = parent as Record<string, unknown>;
    if (container[String(part)] === undefined) {
      if (edit.op === 'remove') return root;
      container[String(part)] = typeof edit.path[index + 1] === 'number' ? [] : {};
    }
    chain.push(container[String(part)]);
  }
  const parent = chain.at(-1);
  const last = edit.path.at(-1);
  if (typeof parent !== 'object' || parent === null || last === undefined) return root;
  if (edit.op !== 'remove') {
    (parent as Record<string, unknown>)[String(last)] = plain(edit.op === 'set' ? edit.value : edit.entries);
    return root;
  }
  if (Array.isArray(parent) && typeof last === 'number') {
    if (last < parent.length) parent.splice(last, 1);
  } else {
    Reflect.deleteProperty(parent, String(last));
  }
  for (let depth = chain.length - 1; depth > 0; depth--) {
    const node = chain[depth];
    const holder = chain[depth - 1];
    const empty = Array.isArray(node)
      ? node.length === 0
      : isPlainObject(node) && Object.keys(node).length === 0;
    const kind = doc.places.get(placeKey(edit.path.slice(0, depth)))?.kind;
    if (!empty || kind === undefined || !VANISHING.has(kind) || !isPlainObject(holder)) break;
    Reflect.deleteProperty(holder, String(edit.path[depth - 1]));
  }
  return root;
}

/**
 * Applies edits to a NovaFile's text and returns the new text. Pure. Everything the edits do not change
 * stays byte for byte: comments, blank lines, spacing, key order, line endings, the final newline.
 */
export function applyEdits(text: string, edits: readonly NovaFileEdit[]): string {
  let doc = parseDoc(text, undefined);
  for (const edit of edits) {
    checkEdit(edit);
    const next =
      edit.op === 'set'
        ? setAt(doc, edit.path, edit.value, edit)
        : edit.op === 'remove'
          ? removeAt(doc, edit.path)
          : setTableAt(doc, edit.path, edit.entries, edit);
    const nextDoc = parseDoc(next, edit);
    if (!sameValue(nextDoc.value, expectedValue(doc, edit))) {
      throw new NovaError(
        'failed',
        `${describeEdit(edit)} would have changed the NovaFile in a way it should not; nothing was changed`,
        'This is a bug in Nova; please report it with the NovaFile.',
      );
    }
    doc = nextDoc;
  }
  return doc.text;
}

/**
 * Edits a NovaFile on disk: applies the edits, reads the result back as a NovaFile and writes it
 * atomically (keeping the file's mode) only if it reads without errors.
 */
export async function updateNovaFile(
  path: string,
  edits: readonly NovaFileEdit[],
  options: { file?: string; host?: HostFacts } = {},
): Promise<{ text: string; model: NovaFileModel }> {
  const file = options.file ?? path;
  const readText = async (): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT')
        throw new NovaError(
          'not-found',
          `there is no NovaFile at ${path}`,
          'Create it first, or check the path.',
        );
      throw new NovaError(
        'failed',
        `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  const before = await readText();
  const text = applyEdits(before, edits);
  // With the host's networks, a reference to a libvirt network or bridge is not dangling.
  const host = options.host === undefined ? {} : { host: options.host };
  const result = readNovaFile(text, { file, ...host });
  if (!result.ok) {
    // Errors the file had before are the user's to fix, at the lines they see on disk.
    const original = readNovaFile(before, { file, ...host });
    const errors = original.ok ? result.errors : original.errors;
    const shown = errors.slice(0, 5).map(formatNovaFileError);
    const more = errors.length > shown.length ? `\n(and ${errors.length - shown.length} more)` : '';
    throw invalid(
      `${original.ok ? `the change would leave ${file} with errors` : `${file} has errors; fix them before Nova edits it`}:\n${shown.join('\n')}${more}`,
      `Nothing was written; ${path} is unchanged.`,
    );
  }
  if (text !== before) {
    // Someone else may have written the file meanwhile: never overwrite their change unseen.
    if ((await readText()) !== before) {
      throw new NovaError(
        'conflict',
        `${file} changed while Nova was editing it`,
        `Nothing was written; ${path} keeps the other change. Try again.`,
      );
    }
    await writeFileAtomic(path, text);
  }
  return { text, model: result.model };
}
