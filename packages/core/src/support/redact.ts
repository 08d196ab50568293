// Redaction of support bundle contents. Pure: text in, text out, no I/O. One Redactor serves one
// bundle, so that a pseudonym (host-1, ip-2) means the same thing in every file of it, and a secret
// found in one file (a token in a container's environment) is also removed where it appears bare in
// another (a log line).
import type { RedactionLevel } from '../contract/features/support.js';

/** What was redacted, as the manifest counts it. */
export type RedactionKind =
  | 'private-key'
  | 'ssh-public-key'
  | 'cloud-init'
  | 'password'
  | 'token'
  | 'key'
  | 'secret'
  | 'url-credentials'
  | 'authorization-header'
  | 'bearer-token'
  | 'jwt'
  | 'hostname'
  | 'username'
  | 'mac'
  | 'ipv4'
  | 'ipv6';

export interface RedactorOptions {
  level: RedactionLevel;
  /** strict: this machine's host names (short and fully qualified), replaced wherever they appear. */
  hostnames?: readonly string[];
  /** strict: user names to replace wherever they appear as a word (root and system users stay). */
  usernames?: readonly string[];
}

/** The text a redacted value is replaced with. */
export const redactedMark = (kind: RedactionKind): string => `[redacted:${kind}]`;
const MARK_START = '[redacted:';

const PSEUDONYM_PREFIX = {
  hostname: 'host',
  username: 'user',
  mac: 'mac',
  ipv4: 'ip',
  ipv6: 'ip6',
} as const;
type PseudonymKind = keyof typeof PSEUDONYM_PREFIX;

/** Secrets shorter than this are not swept from other files (too likely to match ordinary text). */
const MIN_SWEPT_SECRET = 6;

// ── Key names ──

const PASSWORD_WORDS = new Set(['password', 'passwords', 'passwd', 'pass', 'pwd', 'passphrase', 'pw']);
const TOKEN_WORDS = new Set(['token', 'tokens', 'auth', 'authorization', 'cookie', 'session', 'bearer']);
const KEY_WORDS = new Set(['key', 'keys', 'apikey', 'privatekey']);
const SECRET_WORDS = new Set(['secret', 'secrets', 'credential', 'credentials', 'creds', 'signature', 'sig']);
const CLOUD_INIT_KEYS = new Set(['userdata', 'vendordata', 'cloudconfig']);
const HOSTNAME_KEYS = new Set(['hostname', 'localhostname', 'fqdn', 'nodename']);
const USERNAME_KEYS = new Set(['user', 'username', 'login']);

/** A key's words: `API_TOKEN`, `apiToken`, `api-token`, `api.token` → api, token. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** What a value under this key is, when it is a secret (or, for strict, a name). */
export function secretKindOfKey(key: string): RedactionKind | undefined {
  const words = keyWords(key);
  const joined = words.join('');
  if (CLOUD_INIT_KEYS.has(joined)) return 'cloud-init';
  if (words.some((word) => PASSWORD_WORDS.has(word))) return 'password';
  if (words.some((word) => SECRET_WORDS.has(word))) return 'secret';
  if (words.some((word) => TOKEN_WORDS.has(word))) return 'token';
  if (words.some((word) => KEY_WORDS.has(word))) return 'key';
  // Run-together names: PGPASSWORD, ADMINPASSWORD, rootpw, requirepass, MYSQL_ROOT_PASSWD.
  if (/pass(?:word|wd|phrase)|(?:pw|pwd|pass)$/.test(joined)) return 'password';
  if (joined.includes('secret')) return 'secret';
  if (joined.includes('token')) return 'token';
  return undefined;
}

function nameKindOfKey(key: string): 'hostname' | 'username' | undefined {
  const joined = keyWords(key).join('');
  if (HOSTNAME_KEYS.has(joined)) return 'hostname';
  if (USERNAME_KEYS.has(joined)) return 'username';
  return undefined;
}

// ── Patterns ──

const PEM_BLOCK =
  /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----[\s\S]{0,20000}?-----END \1PRIVATE KEY\2-----/g;
/** A private key whose end is missing (a cut log): the header and the base64 lines after it. */
const PEM_START =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\\n|\\r|[\s:A-Za-z0-9+/=-]){0,20000}/g;
const SSH_PUBLIC_KEY =
  /\b(ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)( +)AAAA[A-Za-z0-9+/]+={0,3}(?: +[^\s"',\]\\<]+)?/g;
const CLOUD_CONFIG_IN_STRING = /"#cloud-config(?:[^"\\]|\\.)*"/g;
const AUTHORIZATION_HEADER =
  /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)((?:bearer|basic|token|digest|negotiate)\s+)?([^\s"',;<>]+)/gi;
const BEARER = /\b(bearer)(\s+)([A-Za-z0-9._~+/-]{8,}=*)/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{1,20}:\/\/)([^\s/?#@"'<>:]*)(?::([^\s/?#@"'<>]*))?@/gi;
/** Tokens recognizable by their shape alone (GitHub, GitLab, Slack, AWS access keys). */
const KNOWN_TOKEN =
  /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g;
/**
 * `key = value`, `key: value`, `"key": "value"`, `key="value"` (XML attributes), `KEY=VALUE` (env),
 * `?key=value&` (URL queries). The value is quoted, or runs to a separator.
 */
const KEY_VALUE =
  /(?:(?<=\\[nrt])|(?<![\w./\\-]))(\\?["']?)([A-Za-z_][A-Za-z0-9_.-]{0,80})\1([ \t]*[=:][ \t]*)("""|'''|"(?:[^"\\\n]|\\.)*"|\\"(?:[^"\\\n]|\\[^"\n])*\\"|'[^'\n]*'|[|>][-+0-9]*[ \t]*(?=\n)|[^\s"'&;,<>{}[\]\\]+)/g;
const XML_ELEMENT = /<((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))(\s[^<>]*)?>([^<]+)<\/\1>/g;
const MAC = /(?<![0-9A-Fa-f:-])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![0-9A-Fa-f:-])/g;
const IPV4 =
  /(?<![\w.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![\w]|\.\d)/g;
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;
const HOME_PATH = /\/home\/([a-z_][a-z0-9_.-]{0,31})(?=[/\s"'<>:]|$)/g;

/** An environment line, `KEY=value` or `export KEY=value`: the value runs to the end of the line. */
const ENV_LINE = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_]*)=([^\n]*)$/gm;
/** `"KEY=value"` as a whole JSON string (a container's Env): the value runs to the end of the string. */
const ENV_IN_STRING = /"([A-Za-z_][A-Za-z0-9_]*)=((?:[^"\\\n]|\\.)*)"/g;
/** A command-line option and its value: `--password=x`, `--password x`, `"--requirepass", "x"`. */
const ARGV_OPTION = /(?<![\w-])(--?[A-Za-z][\w-]*)(=|[ \t]+|"[ \t]*,[ \t]*")([^\s"',]+)/g;

/** Addresses that say nothing about a host: loopback, any, netmasks. */
function isUninformativeIpv4(address: string): boolean {
  return address === '0.0.0.0' || address.startsWith('127.') || address.startsWith('255.');
}

export function isIpv6(text: string): boolean {
  if (!text.includes(':') || text.length < 3) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const all = halves.flatMap(groups);
  if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

/** Names too common to replace as words (they are also Nova's own words). */
const COMMON_NAMES = new Set([
  'localhost',
  'nova',
  'root',
  'user',
  'host',
  'admin',
  'default',
  'vm',
  'container',
  'network',
  'system',
]);
/** Shorter names are not replaced as words: they would match half of every file. */
const MIN_NAME_LENGTH = 3;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Values someone already hid: `<redacted>`, `***`, `xxxx`, `REDACTED`. */
const ALREADY_HIDDEN = /^(?:<redacted[^>]*>|\*+|x{3,}|redacted|\[redacted[^\]]*\]|…)$/i;

const BORING_VALUES = new Set([
  '',
  'true',
  'false',
  'null',
  'none',
  'nil',
  'yes',
  'no',
  'undefined',
  '0',
  '1',
]);

/** Strips one level of quotes (also JSON-escaped ones: \\"…\\"). */
function unquote(value: string): string {
  if (value.length >= 4 && value.startsWith('\\"') && value.endsWith('\\"')) return value.slice(2, -2);
  if (value.length >= 2 && (value.startsWith('"') || value.startsWith("'")) && value.endsWith(value[0] ?? ''))
    return value.slice(1, -1);
  return value;
}

/**
 * One bundle's redaction: `redact()` each file's text, then `sweep()` each result once all are done,
 * so that a secret learned in a later file is removed from an earlier one too.
 */
export class Redactor {
  readonly level: RedactionLevel;
  readonly #counts = new Map<RedactionKind, number>();
  readonly #pseudonyms = new Map<PseudonymKind, Map<string, string>>();
  /** Secret values found next to their key, by value, for the sweep. */
  readonly #secrets = new Map<string, RedactionKind>();
  readonly #hostnames: string[];
  readonly #usernames: string[];

  constructor(options: RedactorOptions) {
    this.level = options.level;
    const usable = (names: readonly string[] | undefined) => [
      ...new Set((names ?? []).filter((name) => name.length >= MIN_NAME_LENGTH && !COMMON_NAMES.has(name))),
    ];
    this.#hostnames = usable(options.hostnames);
    this.#usernames = usable(options.usernames);
    // Numbered in the order given; replaced longest first (a full name before its short form).
    for (const name of this.#hostnames) this.#pseudonym('hostname', name, false);
    for (const name of this.#usernames) this.#pseudonym('username', name, false);
    this.#hostnames.sort((a, b) => b.length - a.length);
    this.#usernames.sort((a, b) => b.length - a.length);
  }

  /** Kind → count, for the manifest. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.#counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Original → pseudonym, by kind (kept out of the bundle; useful to whoever made it). */
  pseudonyms(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.#pseudonyms].map(([kind, map]) => [kind, Object.fromEntries(map)]));
  }

  #count(kind: RedactionKind, n = 1): void {
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + n);
  }

  #mark(kind: RedactionKind): string {
    this.#count(kind);
    return redactedMark(kind);
  }

  #pseudonym(kind: PseudonymKind, original: string, count = true): string {
    let map = this.#pseudonyms.get(kind);
    if (map === undefined) {
      map = new Map();
      this.#pseudonyms.set(kind, map);
    }
    const key = kind === 'mac' || kind === 'ipv6' ? original.toLowerCase() : original;
    let name = map.get(key);
    if (name === undefined) {
      name = `${PSEUDONYM_PREFIX[kind]}-${map.size + 1}`;
      map.set(key, name);
    }
    if (count) this.#count(kind);
    return name;
  }

  #remember(value: string, kind: RedactionKind): void {
    // Plain words and paths would match ordinary text everywhere; they are not swept.
    if (value.length < MIN_SWEPT_SECRET || ALREADY_HIDDEN.test(value)) return;
    if (/^[a-z-]+$/.test(value) || value.startsWith('/')) return;
    this.#secrets.set(value, kind);
  }

  /** Redacts one file's text. */
  redact(text: string): string {
    if (this.level === 'none') return text;
    let out = text;
    if (/^\s*#cloud-config\b/.test(out)) return this.#mark('cloud-init');
    out = out.replace(PEM_BLOCK, () => this.#mark('private-key'));
    out = out.replace(PEM_START, () => this.#mark('private-key'));
    out = out.replace(CLOUD_CONFIG_IN_STRING, () => `"${this.#mark('cloud-init')}"`);
    out = out.replace(SSH_PUBLIC_KEY, (_all, type: string, space: string) => {
      return `${type}${space}${this.#mark('ssh-public-key')}`;
    });
    out = out.replace(
      AUTHORIZATION_HEADER,
      (all, name: string, sep: string, scheme: string | undefined, value: string) => {
        if (value.startsWith(MARK_START)) return all;
        this.#remember(value, 'authorization-header');
        return `${name}${sep}${scheme ?? ''}${this.#mark('authorization-header')}`;
      },
    );
    out = out.replace(BEARER, (all, word: string, space: string, token: string) => {
      if (token.startsWith(MARK_START)) return all;
      this.#remember(token, 'bearer-token');
      return `${word}${space}${this.#mark('bearer-token')}`;
    });
    out = out.replace(JWT, (token) => {
      this.#remember(token, 'jwt');
      return this.#mark('jwt');
    });
    out = out.replace(KNOWN_TOKEN, (token) => {
      this.#remember(token, 'token');
      return this.#mark('token');
    });
    out = out.replace(URL_USERINFO, (_all, scheme: string, user: string, password: string | undefined) => {
      // user:password@ keeps the user (strict mode may rename it); a lone token@ goes entirely.
      if (password === undefined) {
        this.#remember(user, 'url-credentials');
        return `${scheme}${this.#mark('url-credentials')}@`;
      }
      this.#remember(password, 'url-credentials');
      return `${scheme}${user}:${this.#mark('url-credentials')}@`;
    });
    out = out.replace(ENV_LINE, (all, lead: string, key: string, value: string) => {
      const kind = secretKindOfKey(key);
      const inner = unquote(value.trim()).trim();
      if (kind === undefined || this.#boring(inner)) return all;
      this.#remember(inner, kind);
      return `${lead}${key}=${this.#mark(kind)}`;
    });
    out = out.replace(ENV_IN_STRING, (all, key: string, value: string) => {
      const kind = secretKindOfKey(key);
      if (kind === undefined || this.#boring(value)) return all;
      this.#remember(value, kind);
      return `"${key}=${this.#mark(kind)}"`;
    });
    out = out.replace(ARGV_OPTION, (all, option: string, sep: string, value: string) => {
      const kind = secretKindOfKey(option.replace(/^-+/, ''));
      if (kind === undefined || this.#boring(value) || value.startsWith('-')) return all;
      this.#remember(value, kind);
      return `${option}${sep}${this.#mark(kind)}`;
    });
    out = this.#keyValues(out);
    out = out.replace(
      XML_ELEMENT,
      (all, tag: string, local: string, attrs: string | undefined, value: string) => {
        const kind = secretKindOfKey(local);
        const trimmed = value.trim();
        if (kind === undefined || BORING_VALUES.has(trimmed.toLowerCase()) || trimmed.startsWith(MARK_START))
          return all;
        this.#remember(trimmed, kind);
        return `<${tag}${attrs ?? ''}>${this.#mark(kind)}</${tag}>`;
      },
    );
    if (this.level === 'strict') out = this.#strict(out);
    return out;
  }

  /** Whether a value next to a secret-like key is nothing to hide: empty, a placeholder, already redacted. */
  #boring(value: string): boolean {
    return (
      value === '' ||
      value.startsWith(MARK_START) ||
      ALREADY_HIDDEN.test(value) ||
      BORING_VALUES.has(value.toLowerCase())
    );
  }

  /** Values next to secret-like keys; in strict mode also learns host and user names from their keys. */
  #keyValues(text: string): string {
    let out = '';
    let last = 0;
    const pattern = new RegExp(KEY_VALUE.source, 'g');
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text)) !== null) {
      const [all, quote = '', key = '', sep = '', rawValue = ''] = match;
      const valueStart = match.index + all.length - rawValue.length;
      let value = rawValue;
      let valueEnd = match.index + all.length;
      if (value === '"""' || value === "'''") {
        const close = text.indexOf(value, valueEnd);
        valueEnd = close === -1 ? text.length : close + 3;
        value = text.slice(valueStart, valueEnd);
      } else if (/^[|>]/.test(value)) {
        // A YAML block scalar: the lines after it that are indented deeper than its key.
        const lineStart = text.lastIndexOf('\n', match.index) + 1;
        const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0].length ?? 0;
        const block = /^(?:\n(?:[ \t]*(?=\n)|[ \t]+.*))*/.exec(text.slice(valueEnd))?.[0] ?? '';
        const lines = block.split('\n').slice(1);
        let taken = 0;
        for (const line of lines) {
          const lineIndent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
          if (line.trim() !== '' && lineIndent <= indent) break;
          taken += line.length + 1;
        }
        valueEnd += taken;
        value = text.slice(valueStart, valueEnd);
      }
      const kind = secretKindOfKey(key);
      const inner = unquote(value).trim();
      // `Authorization: Basic [redacted:…]`: the scheme word before a redacted value stays.
      const beforeMark = /^\s+\[redacted:/.test(text.slice(valueEnd, valueEnd + 12));
      if (
        kind !== undefined &&
        !beforeMark &&
        !ALREADY_HIDDEN.test(inner) &&
        !BORING_VALUES.has(inner.toLowerCase()) &&
        !inner.startsWith(MARK_START)
      ) {
        if (!/^[|>]/.test(value) && value !== '' && !value.startsWith('"""') && !value.startsWith("'''"))
          this.#remember(inner, kind);
        const mark = this.#mark(kind);
        let replacement: string;
        if (value.startsWith('"""') || value.startsWith("'''"))
          replacement = `${value.slice(0, 3)}${mark}${value.slice(0, 3)}`;
        else if (value.startsWith('\\"')) replacement = `\\"${mark}\\"`;
        else if (value.startsWith('"') || value.startsWith("'"))
          replacement = `${value[0] ?? ''}${mark}${value[0] ?? ''}`;
        else if (/^[|>]/.test(value)) replacement = mark;
        // A bare value after a JSON key becomes a string, so that the document stays JSON.
        else replacement = quote.endsWith('"') && sep.includes(':') ? `${quote}${mark}${quote}` : mark;
        out += text.slice(last, valueStart) + replacement;
        last = valueEnd;
        pattern.lastIndex = valueEnd;
        continue;
      }
      if (this.level === 'strict') {
        const nameKind = nameKindOfKey(key);
        if (
          nameKind !== undefined &&
          /^[A-Za-z][A-Za-z0-9_.-]{2,62}$/.test(inner) &&
          !COMMON_NAMES.has(inner)
        ) {
          const isAddress = MAC.test(inner) || isIpv6(inner) || /^\d+(\.\d+){3}$/.test(inner);
          MAC.lastIndex = 0;
          if (!isAddress && !BORING_VALUES.has(inner.toLowerCase())) {
            if (nameKind === 'hostname') this.#learnName(this.#hostnames, inner);
            else this.#learnName(this.#usernames, inner);
            this.#pseudonym(nameKind, inner, false);
          }
        }
      }
      // The value may hold pairs of its own (a URL's query): look inside it too.
      pattern.lastIndex = Math.max(valueStart, match.index + 1);
    }
    return out + text.slice(last);
  }

  #learnName(list: string[], name: string): void {
    if (list.includes(name)) return;
    list.push(name);
    list.sort((a, b) => b.length - a.length);
  }

  #strict(text: string): string {
    let out = text;
    out = out.replace(MAC, (mac) => this.#pseudonym('mac', mac));
    out = out.replace(IPV4, (address) =>
      isUninformativeIpv4(address) ? address : this.#pseudonym('ipv4', address),
    );
    out = out.replace(IPV6_CANDIDATE, (candidate) => {
      if (!isIpv6(candidate) || candidate === '::1' || candidate === '::') return candidate;
      return this.#pseudonym('ipv6', candidate);
    });
    out = out.replace(HOME_PATH, (all, user: string) => {
      if (user.startsWith('user-')) return all;
      this.#learnName(this.#usernames, user);
      return `/home/${this.#pseudonym('username', user)}`;
    });
    out = this.#names(out);
    return out;
  }

  /** Known host and user names, wherever they stand as a word. */
  #names(text: string): string {
    let out = text;
    for (const [kind, names] of [
      ['hostname', this.#hostnames],
      ['username', this.#usernames],
    ] as const) {
      for (const name of names) {
        const word = new RegExp(`(?<![\\w-])${escapeRegExp(name)}(?![\\w-])`, 'g');
        out = out.replace(word, () => this.#pseudonym(kind, name));
      }
    }
    return out;
  }

  /**
   * Removes from an already redacted text every secret value learned from any file, and in strict
   * mode every host and user name learned since: the second pass over all of a bundle's files.
   */
  sweep(text: string): string {
    if (this.level === 'none') return text;
    let out = text;
    const secrets = [...this.#secrets].sort(([a], [b]) => b.length - a.length);
    for (const [value, kind] of secrets) {
      if (!out.includes(value)) continue;
      const parts = out.split(value);
      this.#count(kind, parts.length - 1);
      out = parts.join(redactedMark(kind));
    }
    if (this.level === 'strict') out = this.#names(out);
    return out;
  }
}
