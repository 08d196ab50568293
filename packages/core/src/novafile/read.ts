// Reading a NovaFile strictly: every error of the file at once, each with file, line, column and a
// hint. Pure: the host's networks, when known, are passed in.
import type { z } from 'zod';

import { closest } from './did-you-mean.js';
import { NAME_PATTERN, NAME_RULE, NAMED_TABLES, type NovaFileModel, NovaFileSchema } from './schema.js';
import { checkSemantics, type HostFacts } from './semantics.js';
import { locate, parseTomlValue, type TomlPath, type TomlSource } from './toml-source.js';

export interface NovaFileError {
  file: string;
  line: number;
  column: number;
  /** The key the error is about, dotted: "vm.web.memory". */
  path: string;
  message: string;
  hint?: string;
}

export type ReadResult =
  | { ok: true; model: NovaFileModel; source: TomlSource }
  | { ok: false; errors: NovaFileError[]; source?: TomlSource };

export interface ReadOptions {
  /** How errors name the file (default "NovaFile"). */
  file?: string;
  /** What exists on the host, for checking references; without it, only the file's own names count. */
  host?: HostFacts;
}

export const MAX_NOVAFILE_BYTES = 4 * 1024 * 1024;

/** "vm.web.memory", quoting keys that are not bare ("vm.\"web.1\""). */
export function dottedPath(path: TomlPath): string {
  return path
    .map((part, index) =>
      typeof part === 'number'
        ? `[${part}]`
        : `${index === 0 ? '' : '.'}${/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part)}`,
    )
    .join('');
}

/** "[vm.web]": the table a path is in, as the user wrote its header. */
function tableName(path: TomlPath): string {
  return path.length === 0 ? 'the top level' : `[${dottedPath(path)}]`;
}

export class ErrorCollector {
  readonly errors: NovaFileError[] = [];

  constructor(
    private readonly file: string,
    private readonly source: TomlSource,
  ) {}

  /** Reports at the key (`at: 'key'`) or the value of a path, or its nearest located ancestor. */
  add(path: TomlPath, message: string, hint?: string, at: 'key' | 'value' = 'value'): void {
    const located = locate(this.source, path);
    const place = (at === 'key' ? located?.key : undefined) ?? located?.value ?? located?.key;
    this.errors.push({
      file: this.file,
      line: place?.start.line ?? 1,
      column: place?.start.column ?? 1,
      path: dottedPath(path),
      message,
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

// ── Finding the allowed keys at a path of the schema, for "did you mean" ──────────────────────────

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (
      (def.type === 'optional' ||
        def.type === 'default' ||
        def.type === 'prefault' ||
        def.type === 'nullable') &&
      def.innerType
    ) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

/** The schema that describes the value at a path of the file, if the path is inside the schema. */
export function schemaAt(path: TomlPath): z.ZodType | undefined {
  let current: z.ZodType = NovaFileSchema;
  for (const part of path) {
    const def = defOf(unwrap(current));
    if (def.type === 'object' && def.shape && typeof part === 'string') {
      const next = def.shape[part];
      if (next === undefined) return undefined;
      current = next;
    } else if (def.type === 'record' && def.valueType) {
      current = def.valueType;
    } else if (def.type === 'array' && def.element && typeof part === 'number') {
      current = def.element;
    } else {
      return undefined;
    }
  }
  return unwrap(current);
}

export function allowedKeysAt(path: TomlPath): string[] {
  const schema = schemaAt(path);
  if (schema === undefined) return [];
  const def = defOf(schema);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

// ── Turning schema issues into errors people can act on ──────────────────────────────────────────

function tomlType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'an array';
  return 'a table';
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
  record: 'a table',
};

function valueAt(root: unknown, path: TomlPath): unknown {
  let current = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

function typeHint(expected: string, value: unknown): string | undefined {
  if (expected === 'string' && typeof value === 'number') return `quote it: "${String(value)}"`;
  if (expected === 'boolean' && (value === 'true' || value === 'false')) return `drop the quotes: ${value}`;
  if (expected === 'number' && typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))
    return `drop the quotes: ${value}`;
  if (expected === 'array' && typeof value === 'string') return `put it in brackets: ["${value}"]`;
  return undefined;
}

function reportIssue(errors: ErrorCollector, issue: z.core.$ZodIssue, root: unknown): void {
  const path = issue.path as (string | number)[];
  const last = path.at(-1);
  const key = typeof last === 'string' ? last : dottedPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(path);
      for (const unknown of issue.keys) {
        const suggestion = closest(unknown, allowed);
        errors.add(
          [...path, unknown],
          `unknown key "${unknown}" in ${tableName(path)}`,
          suggestion === undefined
            ? allowed.length > 0
              ? `known keys here: ${allowed.join(', ')}`
              : undefined
            : `did you mean "${suggestion}"?`,
          'key',
        );
      }
      return;
    }
    case 'invalid_type': {
      const value = valueAt(root, path);
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (value === undefined) {
        errors.add(
          path.slice(0, -1),
          `${tableName(path.slice(0, -1))} needs the key "${key}" (${expected})`,
          undefined,
          'key',
        );
        return;
      }
      errors.add(
        path,
        `${key}: expected ${expected}, found ${tomlType(value)}`,
        typeHint(issue.expected, value),
      );
      return;
    }
    case 'invalid_value': {
      const value = valueAt(root, path);
      const allowed = issue.values.map(String);
      const suggestion = typeof value === 'string' ? closest(value, allowed) : undefined;
      errors.add(
        path,
        `${key}: ${JSON.stringify(value)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        suggestion === undefined ? undefined : `did you mean "${suggestion}"?`,
      );
      return;
    }
    case 'invalid_union': {
      const value = valueAt(root, path);
      errors.add(
        path,
        `${key}: ${tomlType(value)} is not a size`,
        'write a size such as "2Gi", "512Mi" or a number of bytes',
      );
      return;
    }
    case 'custom': {
      const hint = (issue.params as { hint?: string } | undefined)?.hint;
      errors.add(path, `${key}: ${issue.message}`, hint);
      return;
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_key':
    case 'invalid_element':
      errors.add(path, `${key}: ${issue.message}`);
      return;
  }
}

/** Names chosen by the user must be safe in XML, paths, argv and interface names. */
function checkNames(errors: ErrorCollector, root: Record<string, unknown>): void {
  for (const table of NAMED_TABLES) {
    const entries = root[table];
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) continue;
    for (const name of Object.keys(entries)) {
      if (!NAME_PATTERN.test(name)) {
        errors.add([table, name], `${table} name "${name}" is not allowed`, `a name is ${NAME_RULE}`, 'key');
      }
    }
  }
  const containers = root['container'];
  if (typeof containers === 'object' && containers !== null) {
    for (const [name, container] of Object.entries(containers)) {
      const env = (container as Record<string, unknown> | null)?.['env'];
      if (typeof env !== 'object' || env === null) continue;
      for (const variable of Object.keys(env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
          errors.add(
            ['container', name, 'env', variable],
            `environment variable name "${variable}" is not allowed`,
            'use letters, digits and "_", not starting with a digit',
            'key',
          );
        }
      }
    }
  }
}

function namesIn(table: unknown): string[] {
  return typeof table === 'object' && table !== null && !Array.isArray(table)
    ? Object.keys(table).filter((name) => NAME_PATTERN.test(name))
    : [];
}

function deleteAt(root: unknown, path: readonly PropertyKey[]): void {
  if (path.length === 0) return;
  let current: unknown = root;
  for (const part of path.slice(0, -1)) {
    if (typeof current !== 'object' || current === null) return;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  const last = path.at(-1);
  if (typeof current !== 'object' || current === null || last === undefined) return;
  if (Array.isArray(current) && typeof last === 'number') current.splice(last, 1);
  else Reflect.deleteProperty(current, last);
}

/**
 * The file's model with what the schema refused left out (the key, else the table around it), so that
 * references and addressing are checked in the same pass as everything else.
 */
function repairedModel(root: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): NovaFileModel {
  const copy = structuredClone(root);
  for (const table of NAMED_TABLES) {
    const entries = copy[table];
    if (typeof entries !== 'object' || entries === null) continue;
    for (const name of Object.keys(entries))
      if (!NAME_PATTERN.test(name)) Reflect.deleteProperty(entries, name);
  }
  const first = NovaFileSchema.safeParse(copy);
  if (first.success) return first.data;
  let remaining = issues.length > 0 ? issues : first.error.issues;
  for (let depth = 0; depth < 6 && remaining.length > 0; depth++) {
    // Later array elements first, so that removing one does not shift the others.
    const paths = remaining
      .flatMap((issue) =>
        issue.code === 'unrecognized_keys' && depth === 0
          ? issue.keys.map((key) => [...issue.path, key])
          : [issue.path.slice(0, Math.max(issue.path.length - depth, 1))],
      )
      .sort((a, b) => String(b.at(-1)).localeCompare(String(a.at(-1)), 'en', { numeric: true }));
    for (const path of paths) deleteAt(copy, path);
    const again = NovaFileSchema.safeParse(copy);
    if (again.success) return again.data;
    remaining = again.error.issues;
  }
  return { vm: {}, container: {}, network: {}, storage: {} };
}

function byPosition(a: NovaFileError, b: NovaFileError): number {
  return a.line - b.line || a.column - b.column || a.message.localeCompare(b.message);
}

/** Reads a NovaFile. Never throws for any input: it returns a model or the file's errors. */
export function readNovaFile(text: string, options: ReadOptions = {}): ReadResult {
  const file = options.file ?? 'NovaFile';
  if (text.length > MAX_NOVAFILE_BYTES) {
    return {
      ok: false,
      errors: [
        {
          file,
          line: 1,
          column: 1,
          path: '',
          message: `the file is larger than ${MAX_NOVAFILE_BYTES / 1024 / 1024} MiB`,
        },
      ],
    };
  }
  const parsed = parseTomlValue(text);
  if (!parsed.ok) {
    return {
      ok: false,
      errors: [
        {
          file,
          line: parsed.error.line,
          column: parsed.error.column,
          path: '',
          message: `not valid TOML: ${parsed.error.message}`,
        },
      ],
    };
  }
  const { source } = parsed;
  const errors = new ErrorCollector(file, source);
  checkNames(errors, source.value);
  const result = NovaFileSchema.safeParse(source.value);
  if (!result.success) {
    for (const issue of result.error.issues) reportIssue(errors, issue, source.value);
  }
  // Check references and addressing too, on what did pass, so that one pass reports every error.
  const namesOk = errors.errors.length === 0;
  const partial =
    result.success && namesOk
      ? result.data
      : repairedModel(source.value, result.success ? [] : result.error.issues);
  checkSemantics(errors, partial, options.host, {
    network: namesIn(source.value['network']),
    storage: namesIn(source.value['storage']),
  });
  if (errors.errors.length > 0 || !result.success) {
    return { ok: false, errors: errors.errors.sort(byPosition), source };
  }
  return { ok: true, model: result.data, source };
}

export function formatNovaFileError(error: NovaFileError): string {
  return `${error.file}:${error.line}:${error.column}: ${error.message}${error.hint === undefined ? '' : `\n  hint: ${error.hint}`}`;
}
