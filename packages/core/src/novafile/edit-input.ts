// The edits of a NovaFile callers ask for, and how messages name them and the paths they touch.
import { NovaError } from '../contract/errors.js';
import { dottedPath } from './read.js';

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

/** One step of a path in the file: a key, or the index of an array element or [[table]] element. */
export type Part = string | number;
export type Path = readonly Part[];

/** The error for an edit that cannot be made as asked. */
export const invalid = (message: string, detail?: string): NovaError =>
  new NovaError('invalid-input', message, detail);

/** A path as messages show it. */
export function describePath(path: Path): string {
  return path.length === 0 ? 'the top level' : dottedPath(path);
}

/** What an edit does, as its messages start. */
export function describeEdit(edit: NovaFileEdit): string {
  const where = describePath(edit.path);
  if (edit.op === 'set') return `setting ${where}`;
  if (edit.op === 'remove') return `removing ${where}`;
  return `writing the table [${where}]`;
}
