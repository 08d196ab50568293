// The three edits of a NovaFile's text: set a value, remove a path, write a whole table. Each returns
// the new text; applyEdits (./edit.ts) checks it. Pure.
import { NovaError } from '../contract/errors.js';
import { type Doc, isString, keyNames, lineOf, parseDoc, placeKey, startsWith } from './edit-doc.js';
import { insertInline, removeInContent } from './edit-inline.js';
import { describeEdit, describePath, invalid, type NovaFileEdit, type Path } from './edit-input.js';
import { type Splice, splice, withLines } from './edit-lines.js';
import { appendSection, insertKeyValue, markSpan, replaceSection, sectionSpan } from './edit-sections.js';
import { describeNode, isPlainObject, plain, sameValue, valueAt, valueText } from './edit-values.js';
import { dottedPath } from './read.js';

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

export function removeAt(doc: Doc, path: Path): string {
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

export function setAt(doc: Doc, path: Path, value: unknown, edit: NovaFileEdit): string {
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

export function setTableAt(
  doc: Doc,
  path: Path,
  entries: Record<string, unknown>,
  edit: NovaFileEdit,
): string {
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
