// Where the template gallery's user settings live: ~/.config/nova/templates.toml (registries, whether
// the built-in templates are offered) and ~/.config/nova/trusted-keys/ (the trust store).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';

import { describeZodError, NovaError } from '../contract/errors.js';

/** $NOVA_CONFIG_DIR, else $XDG_CONFIG_HOME/nova, else ~/.config/nova. */
export function novaConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['NOVA_CONFIG_DIR'];
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config'), 'nova');
}

export const TemplatesConfigFile = z.strictObject({
  /** Offer Nova's built-in templates (as the NovaFile's [templates] enable_builtin). */
  enable_builtin: z.boolean().default(true),
  /** Registries: a directory holding index.json, or the http(s) URL of an index. */
  registries: z.array(z.string().min(1)).default([]),
  /** The trust store folder (default <config>/trusted-keys). */
  trusted_keys: z.string().min(1).optional(),
  /** Storage pool deploy puts images in when --pool is not given. */
  default_pool: z.string().min(1).optional(),
  /** Accept legacy ("Ed", not prehashed) minisign signatures; off by default. */
  allow_legacy_minisign: z.boolean().default(false),
});
export type TemplatesConfigFile = z.infer<typeof TemplatesConfigFile>;

export interface TemplatesConfig {
  /** The file read, or where it would be. */
  path: string;
  enableBuiltin: boolean;
  registries: string[];
  trustedKeysDir: string;
  defaultPool: string | undefined;
  /** Accept legacy ("Ed", not prehashed) minisign signatures (allow_legacy_minisign, default false). */
  allowLegacyMinisign: boolean;
}

/** Reads templates.toml from the config folder; a missing file means the defaults. */
export async function readTemplatesConfig(configDir = novaConfigDir()): Promise<TemplatesConfig> {
  const path = join(configDir, 'templates.toml');
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NovaError('failed', `cannot read ${path}: ${(err as Error).message}`);
    }
  }
  let raw: unknown = {};
  if (text !== undefined) {
    try {
      raw = parseToml(text);
    } catch (err) {
      const message = err instanceof TomlError ? err.message.split('\n')[0] : String(err);
      throw new NovaError('invalid-input', `${path}: not valid TOML: ${message ?? ''}`);
    }
  }
  const parsed = TemplatesConfigFile.safeParse(raw);
  if (!parsed.success) {
    throw new NovaError(
      'invalid-input',
      `${path}: ${describeZodError(parsed.error)}`,
      'keys: enable_builtin (true/false), registries (list of folders or URLs), trusted_keys, default_pool, allow_legacy_minisign (true/false)',
    );
  }
  const relative = (value: string) => (isAbsolute(value) ? value : resolve(configDir, value));
  return {
    path,
    enableBuiltin: parsed.data.enable_builtin,
    registries: parsed.data.registries.map((entry) =>
      /^[a-z]+:\/\//i.test(entry) ? entry : relative(entry),
    ),
    trustedKeysDir:
      parsed.data.trusted_keys === undefined
        ? join(configDir, 'trusted-keys')
        : relative(parsed.data.trusted_keys),
    defaultPool: parsed.data.default_pool,
    allowLegacyMinisign: parsed.data.allow_legacy_minisign,
  };
}
