// Editing a NovaFile's text in place: only the bytes of what changes are touched, so comments, blank
// lines, key order and spacing of everything else survive. Every result is parsed again and checked
// against the edit before anyone sees it. The parts of editing live in the edit-*.ts modules next to
// this one; this one checks each edit, runs it, verifies the result, and writes the file.
import { readFile } from 'node:fs/promises';

import { NovaError } from '../contract/errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type Doc, parseDoc, type Place, placeKey } from './edit-doc.js';
import { describeEdit, invalid, type NovaFileEdit } from './edit-input.js';
import { removeAt, setAt, setTableAt } from './edit-ops.js';
import { isPlainObject, plain, sameValue } from './edit-values.js';
import { dottedPath, formatNovaFileError, readNovaFile } from './read.js';
import type { NovaFileModel } from './schema.js';
import type { HostFacts } from './semantics.js';

export type { NovaFileEdit, TomlScalarOrInline } from './edit-input.js';

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
