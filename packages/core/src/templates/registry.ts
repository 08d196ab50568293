// Reading a registry's index.json: from a directory, over http(s), or the built-in one. Strict: an
// index that does not match the format is refused with the registry and the field named.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { z } from 'zod';

import { NovaError } from '../contract/errors.js';
import { fetchText } from './fetch.js';
import { type RegistryInfo, type Template, TemplateIndex } from './types.js';

export interface LoadedRegistry {
  info: RegistryInfo;
  /** Templates with every relative URL made absolute. */
  templates: Template[];
  /** The URL relative paths were resolved against (a file:// URL of the folder, or the index URL). */
  base: string;
}

/** "where: message" for each issue, naming the template by id where the path goes through one. */
export function describeIndexIssues(raw: unknown, error: z.ZodError): string {
  const templates = (raw as { templates?: unknown } | null)?.templates;
  return error.issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
      let where = path.length === 0 ? '(index)' : '';
      path.forEach((part, index) => {
        if (typeof part === 'number') {
          where += `[${String(part)}]`;
          if (index === 1 && path[0] === 'templates' && Array.isArray(templates)) {
            const id = (templates[part] as { id?: unknown } | null)?.id;
            if (typeof id === 'string') where += ` (id "${id}")`;
          }
        } else where += where === '' ? part : `.${part}`;
      });
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/** Validates an index document; errors name the registry and each bad field. */
export function parseIndex(raw: unknown, registry: string): z.infer<typeof TemplateIndex> {
  const parsed = TemplateIndex.safeParse(raw);
  if (parsed.success) {
    const seen = new Set<string>();
    for (const template of parsed.data.templates) {
      if (seen.has(template.id)) {
        throw new NovaError(
          'invalid-input',
          `registry ${registry}: template id "${template.id}" appears twice`,
        );
      }
      seen.add(template.id);
    }
    return parsed.data;
  }
  throw new NovaError(
    'invalid-input',
    `registry ${registry}: index.json is not valid: ${describeIndexIssues(raw, parsed.error)}`,
    'see docs/templates.md for the index format',
  );
}

export function parseIndexText(text: string, registry: string): z.infer<typeof TemplateIndex> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new NovaError(
      'invalid-input',
      `registry ${registry}: index.json is not JSON: ${(err as Error).message}`,
    );
  }
  return parseIndex(raw, registry);
}

/** Makes a URL of the index absolute against the registry's base. */
export function resolveAgainst(base: string, value: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  return new URL(value, base).toString();
}

function resolveTemplate(template: Template, base: string): Template {
  const signature =
    template.signature?.url === undefined
      ? template.signature
      : { ...template.signature, url: resolveAgainst(base, template.signature.url) };
  const withSignature = signature === undefined ? template : { ...template, signature };
  if (withSignature.kind !== 'vm') return withSignature;
  const image = {
    ...withSignature.image,
    url: resolveAgainst(base, withSignature.image.url),
    ...(withSignature.image.sha256sums_url === undefined
      ? {}
      : { sha256sums_url: resolveAgainst(base, withSignature.image.sha256sums_url) }),
    ...(withSignature.image.sha512sums_url === undefined
      ? {}
      : { sha512sums_url: resolveAgainst(base, withSignature.image.sha512sums_url) }),
  };
  return { ...withSignature, image };
}

export function isHttpLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Loads a registry: an http(s) URL of an index (or of its folder, ending in "/"), or a local folder. */
export async function loadRegistry(location: string): Promise<LoadedRegistry> {
  if (isHttpLocation(location)) {
    const url = location.endsWith('/') ? `${location}index.json` : location;
    let text: string;
    try {
      text = await fetchText(url);
    } catch (err) {
      throw new NovaError(
        'backend-unavailable',
        `registry ${location}: cannot fetch ${url}: ${(err as Error).message}`,
      );
    }
    const index = parseIndexText(text, location);
    return {
      info: { location, kind: 'http', name: index.name ?? new URL(url).host },
      templates: index.templates.map((template) => resolveTemplate(template, url)),
      base: url,
    };
  }
  const folder = resolve(location.startsWith('file://') ? new URL(location).pathname : location);
  let indexPath = join(folder, 'index.json');
  let directory = folder;
  try {
    if ((await stat(folder)).isFile()) {
      indexPath = folder;
      directory = resolve(folder, '..');
    }
  } catch (err) {
    throw new NovaError(
      'not-found',
      `registry ${location}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`,
      'a registry is a folder that holds index.json, or the http(s) URL of an index',
    );
  }
  let text: string;
  try {
    // Read as the http index is: a regular file of at most 4 MiB.
    text = await fetchText(pathToFileURL(indexPath).toString());
  } catch (err) {
    throw new NovaError(
      'not-found',
      `registry ${location}: cannot read ${indexPath}: ${(err as Error).message}`,
    );
  }
  const index = parseIndexText(text, location);
  const base = pathToFileURL(`${directory}/`).toString();
  return {
    info: { location, kind: 'directory', name: index.name ?? directory },
    templates: index.templates.map((template) => resolveTemplate(template, base)),
    base,
  };
}
