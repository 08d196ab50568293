// The values an edit writes: checked that TOML can hold them, written as TOML, and compared with what
// reading the file gives back. Pure.
import type { AST } from 'toml-eslint-parser';

import { describePath, invalid, type Path } from './edit-input.js';
import { tomlValue } from './toml-write.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

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

export function valueText(where: Path, value: unknown): string {
  checkValue(where, value);
  return tomlValue(value);
}

/** The value as reading its TOML gives it back: without undefined entries. */
export function plain(value: unknown): unknown {
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

export function sameValue(a: unknown, b: unknown): boolean {
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

export function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[String(part)];
  }
  return current;
}

export function describeNode(node: AST.TOMLContentNode): string {
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
