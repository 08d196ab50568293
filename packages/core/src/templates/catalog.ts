// The catalog: every template of the built-in registry and the user's registries, each with what
// Nova could check about it before deploying (its provenance).
import { readFile } from 'node:fs/promises';

import { parse as parseToml } from 'smol-toml';

import { BUILTIN_REGISTRY, builtinTemplates } from './builtin.js';
import { novaConfigDir, readTemplatesConfig } from './config.js';
import { initialProvenance } from './provenance.js';
import { type LoadedRegistry, loadRegistry } from './registry.js';
import { readTrustStore, type TrustStore } from './trust.js';
import { type CatalogEntry, failedChecks } from './types.js';

export interface CatalogOptions {
  /** Registries on top of the configured ones (`--registry`): folders or http(s) index URLs. */
  registries?: string[];
  /** Only these registries, ignoring templates.toml's list. */
  onlyRegistries?: boolean;
  /** The config folder (default: $NOVA_CONFIG_DIR, $XDG_CONFIG_HOME/nova or ~/.config/nova). */
  configDir?: string;
  /** Offer the built-in templates (default: templates.toml's enable_builtin, itself true by default). */
  builtin?: boolean;
  /** Fetch minisign signatures to check their key (default true). */
  fetchSignatures?: boolean;
  /**
   * A NovaFile whose [templates] section (enable_builtin) counts, between `builtin` and templates.toml.
   * A missing or unreadable file is skipped (with a problem when it cannot be read).
   */
  novaFile?: string;
}

/** The NovaFile's [templates] enable_builtin, if the file exists and says. */
async function novaFileEnablesBuiltin(path: string, problems: string[]): Promise<boolean | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  // Only its [templates] section matters here: the rest is `nova validate`'s to check (with the host).
  let value: unknown;
  try {
    value = (parseToml(text) as { templates?: { enable_builtin?: unknown } }).templates?.enable_builtin;
  } catch {
    problems.push(`${path} is not valid TOML, so its [templates] section was not read (see nova validate)`);
    return undefined;
  }
  if (value === undefined || typeof value === 'boolean') return value;
  problems.push(`${path}: [templates] enable_builtin must be true or false`);
  return undefined;
}

export interface CatalogReport {
  entries: CatalogEntry[];
  /** Registries that could not be read, and templates skipped because their id was taken. */
  problems: string[];
  trust: TrustStore;
}

/** Loads the catalog, reporting registries that fail instead of throwing. */
export async function loadCatalogReport(options: CatalogOptions = {}): Promise<CatalogReport> {
  const configDir = options.configDir ?? novaConfigDir();
  const config = await readTemplatesConfig(configDir);
  const trust = await readTrustStore(config.trustedKeysDir, {
    allowLegacyMinisign: config.allowLegacyMinisign,
  });
  const locations = [
    ...(options.onlyRegistries === true ? [] : config.registries),
    ...(options.registries ?? []),
  ];
  const registries: LoadedRegistry[] = [];
  const problems: string[] = [...trust.problems.map((problem) => `trust store: ${problem}`)];
  const fromNovaFile =
    options.novaFile === undefined ? undefined : await novaFileEnablesBuiltin(options.novaFile, problems);
  if (options.builtin ?? fromNovaFile ?? config.enableBuiltin) {
    registries.push({ info: BUILTIN_REGISTRY, templates: builtinTemplates(), base: 'builtin:' });
  }
  const loaded = await Promise.allSettled(locations.map((location) => loadRegistry(location)));
  loaded.forEach((result) => {
    if (result.status === 'fulfilled') registries.push(result.value);
    else problems.push(result.reason instanceof Error ? result.reason.message : String(result.reason));
  });
  const seen = new Map<string, string>();
  const pendingEntries: Promise<CatalogEntry>[] = [];
  for (const registry of registries) {
    for (const template of registry.templates) {
      const owner = seen.get(template.id);
      if (owner !== undefined) {
        problems.push(
          `registry ${registry.info.location}: template "${template.id}" is skipped, registry ${owner} has one with that id`,
        );
        continue;
      }
      seen.set(template.id, registry.info.location);
      pendingEntries.push(
        initialProvenance(template, registry.info, trust, {
          ...(options.fetchSignatures === undefined ? {} : { fetchSignatures: options.fetchSignatures }),
        }).then((provenance) => ({
          template,
          registry: registry.info,
          provenance,
          failedChecks: failedChecks(provenance),
        })),
      );
    }
  }
  return { entries: await Promise.all(pendingEntries), problems, trust };
}
