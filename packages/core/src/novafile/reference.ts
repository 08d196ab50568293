// The published JSON Schema of the NovaFile and its reference page, both generated from the one schema
// that reading uses. `npm run generate` writes them into docs/; a unit test fails when they are stale.
import { z } from 'zod';

import { NovaFileSchema } from './schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  propertyNames?: JsonSchema;
}

const NOVAFILE_SCHEMA_ID = 'https://nova.dev/schemas/novafile.schema.json';

export function novaFileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(NovaFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...schema, $id: NOVAFILE_SCHEMA_ID, title: 'NovaFile' };
}

function typeText(schema: JsonSchema): string {
  if (schema.enum !== undefined)
    return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  if (schema.anyOf !== undefined) {
    const types = schema.anyOf.map(typeText);
    return types.includes('string') && types.some((t) => t.startsWith('integer') || t === 'number')
      ? 'size'
      : types.join(' \\| ');
  }
  if (Array.isArray(schema.type) && schema.type.includes('string') && schema.type.includes('number'))
    return 'size';
  if (schema.type === 'array')
    return `array of ${schema.items === undefined ? 'values' : typeText(schema.items)}`;
  if (schema.type === 'object') return 'table';
  if (schema.type === 'integer' && schema.minimum !== undefined && schema.minimum > -1e15) {
    return `integer (${schema.minimum}–${schema.maximum !== undefined && schema.maximum < 1e15 ? schema.maximum : '…'})`;
  }
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
}

function defaultText(schema: JsonSchema, required: boolean): string {
  if (schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  return required ? '**required**' : '—';
}

function isTable(schema: JsonSchema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function section(lines: string[], title: string, schema: JsonSchema, level: number): void {
  const properties = schema.properties ?? {};
  lines.push('', `${'#'.repeat(level)} ${title}`, '');
  if (schema.description !== undefined) lines.push(schema.description, '');
  const rows = Object.entries(properties).filter(
    ([, property]) => !isTable(property) && !isTableArray(property) && !isNamedTables(property),
  );
  if (rows.length > 0) {
    lines.push('| key | type | default | description |', '| --- | --- | --- | --- |');
    for (const [key, property] of rows) {
      const required = schema.required?.includes(key) === true && property.default === undefined;
      lines.push(
        `| \`${key}\` | ${typeText(property)} | ${defaultText(property, required)} | ${cell(property.description ?? '')} |`,
      );
    }
  }
  const base = title.replace(/^\[+|\]+$/g, '');
  for (const [key, property] of Object.entries(properties)) {
    if (isTable(property)) section(lines, `[${base}.${key}]`, property, Math.min(level + 1, 4));
    else if (isTableArray(property) && property.items !== undefined)
      section(lines, `[[${base}.${key}]]`, property.items, Math.min(level + 1, 4));
    else if (isNamedTables(property) && typeof property.additionalProperties === 'object') {
      section(lines, `[${base}.${key}.<name>]`, property.additionalProperties, Math.min(level + 1, 4));
    }
  }
}

function isTableArray(schema: JsonSchema): boolean {
  return schema.type === 'array' && schema.items !== undefined && isTable(schema.items);
}

function isNamedTables(schema: JsonSchema): boolean {
  return (
    schema.type === 'object' &&
    schema.properties === undefined &&
    typeof schema.additionalProperties === 'object' &&
    isTable(schema.additionalProperties)
  );
}

/** The NovaFile reference page (Markdown). */
export function novaFileReferenceMarkdown(): string {
  const schema = novaFileJsonSchema() as JsonSchema;
  const lines = [
    '<!-- Generated from packages/core/src/novafile/schema.ts by `npm run generate`. Do not edit. -->',
    '# NovaFile reference',
    '',
    'A NovaFile is a TOML file (`./NovaFile` by default) that describes a lab: VMs, containers, networks',
    'and storage. Nova reads it strictly: an unknown key, a wrong type, a bad unit or a reference to',
    'something that does not exist is an error with its line, column and a hint. Files written for the',
    'original Nova read as they are. The JSON Schema for editors is [novafile.schema.json](novafile.schema.json).',
    '',
    'Sizes are written `"2Gi"`, `"512Mi"` (powers of 1024), `"2G"`, `"500M"` (powers of 1000), or as a',
    'number of bytes.',
  ];
  const properties = schema.properties ?? {};
  const top: JsonSchema = {
    ...schema,
    properties: Object.fromEntries(
      Object.entries(properties).filter(([, p]) => !isTable(p) && !isNamedTables(p)),
    ),
  };
  section(lines, 'Top level', top, 2);
  for (const [key, property] of Object.entries(properties)) {
    if (isNamedTables(property) && typeof property.additionalProperties === 'object') {
      const description = property.additionalProperties.description ?? property.description;
      section(
        lines,
        `[${key}.<name>]`,
        { ...property.additionalProperties, ...(description === undefined ? {} : { description }) },
        2,
      );
    } else if (isTable(property)) {
      section(lines, `[${key}]`, property, 2);
    }
  }
  return `${lines.join('\n')}\n`;
}
