// Editing inside one value of a NovaFile: items taken out of an array or inline table, and keys added
// to an inline table. Pure.
import type { AST } from 'toml-eslint-parser';

import { type Doc, keyNames, startsWith } from './edit-doc.js';
import type { Path } from './edit-input.js';
import { type Splice, splice } from './edit-lines.js';
import { tomlKey } from './toml-write.js';

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

export function removeInContent(node: AST.TOMLContentNode, path: Path): Splice[] {
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

export function insertInline(
  doc: Doc,
  inline: AST.TOMLInlineTable,
  keys: readonly string[],
  text: string,
): string {
  const entry = `${keys.map(tomlKey).join('.')} = ${text}`;
  const last = inline.body.at(-1);
  if (last === undefined)
    return splice(doc.text, [{ start: inline.range[0], end: inline.range[1], text: `{ ${entry} }` }]);
  return splice(doc.text, [{ start: last.range[1], end: last.range[1], text: `, ${entry}` }]);
}
