// A NovaFile's text read for editing: its sections (the top level, each [table] and [[table]] element),
// where each path is defined (the places), and its lines with the comment and header lines among them.
import type { AST } from 'toml-eslint-parser';

import { NovaError } from '../contract/errors.js';
import { describeEdit, invalid, type NovaFileEdit, type Part, type Path } from './edit-input.js';
import { parseTomlSource } from './toml-source.js';

interface Line {
  start: number;
  /** Where the line's text ends, before its line break. */
  end: number;
  eol: string;
}

/** The top level (no header), a [table], or one [[table]] element, with its key/value lines. */
export interface Section {
  path: Path;
  table: AST.TOMLTable | undefined;
  body: AST.TOMLKeyValue[];
}

/** How the file defines a path. */
export type Place =
  | { kind: 'section'; section: Section }
  /** A table that exists only through its sub-tables' headers ([vm.web] makes vm). */
  | { kind: 'implicit' }
  | { kind: 'tables'; sections: Section[] }
  /** A table made by dotted keys (env.PORT = "1") in a section. */
  | { kind: 'dotted'; section: Section; keys: string[] }
  | { kind: 'value'; node: AST.TOMLContentNode }
  /** A table made by dotted keys inside an inline table ({ a.b = 1 }). */
  | { kind: 'inlineDotted'; inline: AST.TOMLInlineTable; keys: string[] };

export interface Doc {
  text: string;
  value: Record<string, unknown>;
  sections: Section[];
  places: Map<string, Place>;
  lines: Line[];
  eol: string;
  commentLines: Set<number>;
  headerLines: Set<number>;
}

export const placeKey = (path: Path): string => JSON.stringify(path);
export const isString = (part: Part): part is string => typeof part === 'string';
export const isBlank = (text: string): boolean => /^[ \t]*$/.test(text);

export function startsWith(path: Path, prefix: Path): boolean {
  return path.length >= prefix.length && prefix.every((part, index) => path[index] === part);
}

export function keyNames(key: AST.TOMLKey): string[] {
  return key.keys.map((part) => (part.type === 'TOMLBare' ? part.name : part.value));
}

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

export function lineOf(doc: Pick<Doc, 'lines'>, offset: number): number {
  let low = 0;
  let high = doc.lines.length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if ((doc.lines[middle]?.start ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

export function lineText(doc: Doc, index: number): string {
  const line = doc.lines[index];
  return line === undefined ? '' : doc.text.slice(line.start, line.end);
}

export function parseDoc(text: string, after: NovaFileEdit | undefined): Doc {
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
