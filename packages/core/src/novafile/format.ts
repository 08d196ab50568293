// Writing a model as a NovaFile: every value explicit, sizes in units, tables in a fixed order.
// Reading what this writes gives the same model (a property test holds it to that). Pure.
import { schemaAt } from './read.js';
import { type NovaFileModel, Size } from './schema.js';
import { tomlHeader, tomlKey, tomlValue } from './toml-write.js';
import { formatSize } from './units.js';

const SIZE_SCHEMA = (Size as unknown as { _zod: { def: { in: unknown } } })._zod.def.in;

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTableArray(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isPlainTable);
}

function scalarText(path: readonly (string | number)[], value: unknown): string {
  if (typeof value === 'number' && schemaAt(path) === SIZE_SCHEMA) return tomlValue(formatSize(value));
  return tomlValue(value);
}

function emitTable(
  lines: string[],
  path: string[],
  table: Record<string, unknown>,
  array = false,
  index = 0,
): void {
  // Empty lists and tables are what reading gives for missing ones: leave them out.
  const entries = Object.entries(table).filter(
    ([, value]) =>
      value !== undefined &&
      !(Array.isArray(value) && value.length === 0) &&
      !(isPlainTable(value) && Object.keys(value).length === 0),
  );
  const scalars = entries.filter(([, value]) => !isPlainTable(value) && !isTableArray(value));
  const tables = entries.filter(([, value]) => isPlainTable(value) || isTableArray(value));
  const schemaPath = array ? [...path, index] : path;
  if (path.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(tomlHeader(path, array));
  }
  for (const [key, value] of scalars)
    lines.push(`${tomlKey(key)} = ${scalarText([...schemaPath, key], value)}`);
  for (const [key, value] of tables) {
    if (isTableArray(value)) {
      value.forEach((item, itemIndex) => {
        emitTable(lines, [...path, key], item, true, itemIndex);
      });
    } else if (isPlainTable(value)) {
      emitTable(lines, [...path, key], value);
    }
  }
}

export function formatNovaFile(model: NovaFileModel): string {
  const lines: string[] = [];
  if (model.project !== undefined) lines.push(`project = ${tomlValue(model.project)}`);
  for (const table of ['network', 'storage', 'vm', 'container'] as const) {
    for (const [name, entry] of Object.entries(model[table])) {
      emitTable(lines, [table, name], entry as Record<string, unknown>);
    }
  }
  for (const table of ['ui', 'iso', 'templates'] as const) {
    const entry = model[table];
    if (entry !== undefined) emitTable(lines, [table], entry);
  }
  return `${lines.join('\n')}\n`;
}
