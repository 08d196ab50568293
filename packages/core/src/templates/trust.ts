// The user's trust store: ~/.config/nova/trusted-keys/ holds minisign public keys (*.pub, as
// `minisign -G` writes them) and SSH signers (allowed_signers, as ssh-keygen -Y verify reads it:
// "<identity> [namespaces="…"] <key type> <base64 key>" per line).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { MinisignError, type MinisignPublicKey, normalizeKeyId, parseMinisignPublicKey } from './minisign.js';

export interface TrustedMinisignKey extends MinisignPublicKey {
  /** The file it came from. */
  file: string;
}

export interface TrustStore {
  dir: string;
  minisign: TrustedMinisignKey[];
  /** Path of allowed_signers, if present. */
  allowedSignersFile: string | undefined;
  /** Identities (principals) listed in allowed_signers. */
  sshIdentities: string[];
  /** Files that could not be read as keys, with why. */
  problems: string[];
  /** Accept legacy ("Ed", not prehashed) minisign signatures (templates.toml allow_legacy_minisign). */
  allowLegacyMinisign?: boolean;
}

export interface TrustPolicy {
  /** templates.toml allow_legacy_minisign (default false). */
  allowLegacyMinisign?: boolean;
}

/** Reads the trust store; a missing folder is an empty store. `policy` comes from templates.toml. */
export async function readTrustStore(dir: string, policy: TrustPolicy = {}): Promise<TrustStore> {
  const store: TrustStore = {
    dir,
    minisign: [],
    allowedSignersFile: undefined,
    sshIdentities: [],
    problems: [],
    allowLegacyMinisign: policy.allowLegacyMinisign === true,
  };
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
    throw err;
  }
  for (const name of names) {
    const file = join(dir, name);
    if (name.endsWith('.pub')) {
      try {
        store.minisign.push({ ...parseMinisignPublicKey(await readFile(file, 'utf8')), file });
      } catch (err) {
        store.problems.push(`${file}: ${err instanceof MinisignError ? err.message : String(err)}`);
      }
    } else if (name === 'allowed_signers') {
      store.allowedSignersFile = file;
      const text = await readFile(file, 'utf8');
      for (const line of text.split('\n')) {
        const trimmed = line.trim();
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        const principals = trimmed.split(/\s+/)[0] ?? '';
        store.sshIdentities.push(...principals.split(',').filter((entry) => entry !== ''));
      }
    }
  }
  return store;
}

export function findMinisignKey(store: TrustStore, keyId: string): TrustedMinisignKey | undefined {
  const wanted = normalizeKeyId(keyId);
  return store.minisign.find((key) => key.keyId === wanted);
}

/** Whether allowed_signers names the identity (exactly, or through a "*"-pattern). */
export function hasSshIdentity(store: TrustStore, identity: string): boolean {
  return store.sshIdentities.some((pattern) => {
    if (!pattern.includes('*') && !pattern.includes('?')) return pattern === identity;
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return regex.test(identity);
  });
}
