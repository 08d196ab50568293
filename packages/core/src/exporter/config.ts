// The exporter's config file (TOML): where it listens, how often it samples, TLS, basic auth, which
// labels instances carry, and the NovaFile whose drift it reports. Read strictly: an unknown key or a
// bad value is an error that names the file, the key and what to write instead.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';

import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';

import { NovaError } from '../contract/errors.js';
import { isLoopback } from '../util/loopback.js';

export const DEFAULT_EXPORTER_PORT = 9640;
export const DEFAULT_LISTEN = `127.0.0.1:${String(DEFAULT_EXPORTER_PORT)}`;
export const DEFAULT_INTERVAL_MS = 5_000;
export const DEFAULT_NOVAFILE_INTERVAL_MS = 30_000;

/** Labels an instance's series may carry; the config's `labels` picks among them. */
export const INSTANCE_LABELS = ['id', 'name', 'kind', 'engine', 'network', 'origin'] as const;
export type InstanceLabel = (typeof INSTANCE_LABELS)[number];
export const DEFAULT_INSTANCE_LABELS: readonly InstanceLabel[] = ['name', 'kind', 'engine', 'network'];

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ExporterConfig {
  listen: ListenAddress;
  intervalMs: number;
  novafileIntervalMs: number;
  labels: readonly InstanceLabel[];
  novafile?: string;
  tls?: { cert: string; key: string };
  basicAuth?: { username: string; passwordHash: string };
}

/** "127.0.0.1:9640", "[::1]:9640", "0.0.0.0:9640", "localhost:9640". */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  const fix = 'Write ADDRESS:PORT, such as 127.0.0.1:9640, 0.0.0.0:9640 or [::1]:9640.';
  if (match === null || host === undefined || !Number.isInteger(port) || port > 65_535) {
    throw new NovaError('invalid-input', `"${text}" is not a listen address`, fix);
  }
  if (match[1] !== undefined && isIP(host) !== 6) {
    throw new NovaError('invalid-input', `"${host}" in "${text}" is not an IPv6 address`, fix);
  }
  if (match[2] !== undefined && isIP(host) === 0 && !/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(host)) {
    throw new NovaError('invalid-input', `"${host}" in "${text}" is not an address or host name`, fix);
  }
  return { host, port };
}

export function formatListenAddress(listen: ListenAddress): string {
  return isIP(listen.host) === 6
    ? `[${listen.host}]:${String(listen.port)}`
    : `${listen.host}:${String(listen.port)}`;
}

export { isLoopback };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** "500ms", "5s", "1.5m", "1h" in milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

const Duration = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration; write it like "5s", "500ms" or "1m"`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is out of range; choose between ${String(min / 1000)}s and ${String(max / 1000)}s`,
      });
      return z.NEVER;
    }
    return ms;
  });

const PASSWORD_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

const ConfigFile = z.strictObject({
  listen: z.string().optional(),
  interval: Duration(1_000, 3_600_000).optional(),
  novafile: z.string().min(1).optional(),
  novafile_interval: Duration(1_000, 86_400_000).optional(),
  labels: z
    .array(z.enum(INSTANCE_LABELS, { message: `a label is one of ${INSTANCE_LABELS.join(', ')}` }))
    .refine((labels) => labels.includes('name') || labels.includes('id'), {
      message: 'the labels must include "name" or "id", or instances could not be told apart',
    })
    .optional(),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  basic_auth: z
    .strictObject({
      username: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[^:]+$/, 'a user name has no ":"'),
      password_hash: z
        .string()
        .regex(PASSWORD_HASH, {
          message: 'not a password hash; make one with `nova metrics hash-password` and paste its output',
        })
        .refine((hash) => scryptParameters(hash) !== undefined, {
          message:
            'the hash’s scrypt cost is out of bounds (N a power of two up to 2^20, r up to 32, p up to 16); make one with `nova metrics hash-password`',
        }),
    })
    .optional(),
});

/** The config without a file: every default. */
export function defaultExporterConfig(): ExporterConfig {
  return {
    listen: parseListenAddress(DEFAULT_LISTEN),
    intervalMs: DEFAULT_INTERVAL_MS,
    novafileIntervalMs: DEFAULT_NOVAFILE_INTERVAL_MS,
    labels: DEFAULT_INSTANCE_LABELS,
  };
}

/** Checks a parsed TOML document; `file` is for messages and to resolve relative paths. */
export function exporterConfigFrom(document: unknown, file: string): ExporterConfig {
  const parsed = ConfigFile.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue === undefined || issue.path.length === 0 ? '(file)' : issue.path.map(String).join('.');
    const unknown =
      issue?.code === 'unrecognized_keys' ? ` ${issue.keys.map((k) => `"${k}"`).join(', ')}` : '';
    throw new NovaError(
      'invalid-input',
      `${file}: key ${key}${unknown}: ${issue?.message ?? 'invalid'}`,
      'Known keys: listen, interval, novafile, novafile_interval, labels, [tls] cert and key, [basic_auth] username and password_hash (see docs/observability.md).',
    );
  }
  const value = parsed.data;
  const base = dirname(resolvePath(file));
  const config = defaultExporterConfig();
  if (value.listen !== undefined) {
    try {
      config.listen = parseListenAddress(value.listen);
    } catch (err) {
      const detail = err instanceof NovaError ? err.detail : undefined;
      throw new NovaError('invalid-input', `${file}: key listen: ${(err as Error).message}`, detail);
    }
  }
  if (value.interval !== undefined) config.intervalMs = value.interval;
  if (value.novafile_interval !== undefined) config.novafileIntervalMs = value.novafile_interval;
  if (value.labels !== undefined) config.labels = [...new Set(value.labels)];
  if (value.novafile !== undefined) config.novafile = resolvePath(base, value.novafile);
  if (value.tls !== undefined)
    config.tls = { cert: resolvePath(base, value.tls.cert), key: resolvePath(base, value.tls.key) };
  if (value.basic_auth !== undefined)
    config.basicAuth = { username: value.basic_auth.username, passwordHash: value.basic_auth.password_hash };
  return config;
}

function readError(file: string, err: unknown): NovaError {
  return new NovaError(
    'invalid-input',
    `cannot read the exporter config ${file}: ${err instanceof Error ? err.message : String(err)}`,
    'Check the path given with --config (see docs/observability.md for the format).',
  );
}

/** Checks the text of a config file (TOML). */
export function exporterConfigFromText(text: string, file: string): ExporterConfig {
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      throw new NovaError(
        'invalid-input',
        `${file}:${String(err.line)}:${String(err.column)}: not valid TOML: ${err.message.split('\n')[0] ?? ''}`,
        'Fix the TOML syntax at that place.',
      );
    }
    throw err;
  }
  return exporterConfigFrom(document, file);
}

/** Reads and checks the config file. */
export async function readExporterConfig(file: string): Promise<ExporterConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  return exporterConfigFromText(text, file);
}

/** The same, at once (for a process's start-up, where the wiring is synchronous). */
export function readExporterConfigSync(file: string): ExporterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
  return exporterConfigFromText(text, file);
}

// scrypt's cost: ~50 ms on one core, paid once per client (verified headers are remembered).
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;

/** A password hash for `basic_auth.password_hash`: scrypt with a random salt. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { ...SCRYPT, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${String(SCRYPT.N)}$${String(SCRYPT.r)}$${String(SCRYPT.p)}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const SCRYPT_MAXMEM = 256 * 1024 * 1024;

/** A stored hash's scrypt parameters, or undefined when they are malformed or too costly to run. */
function scryptParameters(
  stored: string,
): { N: number; r: number; p: number; salt: Buffer; expected: Buffer } | undefined {
  const match = PASSWORD_HASH.exec(stored);
  if (match === null) return undefined;
  const [, n, r, p, salt, hash] = match;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const powerOfTwo = Number.isInteger(N) && N >= 2 && N <= 2 ** 20 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !(R >= 1 && R <= 32) || !(P >= 1 && P <= 16)) return undefined;
  if (128 * N * R * 2 > SCRYPT_MAXMEM) return undefined;
  const expected = Buffer.from(hash ?? '', 'base64');
  if (expected.length < 16 || expected.length > 64) return undefined;
  return { N, r: R, p: P, salt: Buffer.from(salt ?? '', 'base64'), expected };
}

/**
 * Whether `password` matches a hash made by hashPassword, compared in constant time. scrypt runs in
 * libuv's thread pool, so a check never blocks the event loop (the app's backend shares it).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parameters = scryptParameters(stored);
  if (parameters === undefined) return false;
  const { N, r, p, salt, expected } = parameters;
  const actual = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, expected.length, { N, r, p, maxmem: SCRYPT_MAXMEM }, (err, key) => {
      if (err === null) resolve(key);
      else reject(err);
    });
  });
  return timingSafeEqual(actual, expected);
}
