// Turns what the steps gathered into what the bundle holds: every file's text, path and reason, and
// what was skipped and noted, redacted at the chosen level (strict: the host's and its people's names
// too), paths made unique, and the manifest that lists each file with what was redacted in it.
import { readFile } from 'node:fs/promises';
import { arch, hostname, platform, release, userInfo } from 'node:os';

import { NOVA_VERSION } from '../version.js';
import { type Gathering, safeName } from './bundle-gather.js';
import { BUNDLE_FORMAT, type BundleManifest, type BundleOptions } from './bundle-types.js';
import { Redactor } from './redact.js';

/** One file as the bundle holds it: its path under the bundle's folder, and its bytes. */
export interface BundleFile {
  path: string;
  content: Buffer;
}

/** Local users who are people (uid ≥ 1000), whose names strict redaction replaces. */
async function localUserNames(): Promise<string[]> {
  const names = new Set<string>();
  try {
    const passwd = await readFile('/etc/passwd', 'utf8');
    for (const line of passwd.split('\n')) {
      const [name, , uid] = line.split(':');
      if (name !== undefined && uid !== undefined && Number(uid) >= 1000 && Number(uid) < 65534)
        names.add(name);
    }
  } catch {
    // No /etc/passwd: only the current user.
  }
  try {
    names.add(userInfo().username);
  } catch {
    // No user name for this uid.
  }
  return [...names];
}

function diffCounts(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [kind, n] of Object.entries(after)) {
    const d = n - (before[kind] ?? 0);
    if (d > 0) delta[kind] = d;
  }
  return delta;
}

/** The redacted files, in the order gathered, and the manifest that describes them. */
export async function redactBundle(
  gathered: Gathering,
  options: Pick<BundleOptions, 'redact' | 'logs' | 'system' | 'metrics'>,
  now: Date,
): Promise<{ files: BundleFile[]; manifest: BundleManifest }> {
  const { files, skipped, notes } = gathered;
  const redactor = new Redactor({
    level: options.redact,
    ...(options.redact === 'strict'
      ? { hostnames: [hostname(), hostname().split('.')[0] ?? ''], usernames: await localUserNames() }
      : {}),
  });
  const perFile: Record<string, number>[] = [];
  const redactedText = files.map((file) => {
    const before = redactor.counts();
    const text = redactor.redact(file.content);
    perFile.push(diffCounts(before, redactor.counts()));
    return text;
  });
  const swept = redactedText.map((text, index) => {
    const before = redactor.counts();
    const out = redactor.sweep(text);
    const delta = diffCounts(before, redactor.counts());
    const entry = perFile[index] ?? {};
    for (const [kind, n] of Object.entries(delta)) entry[kind] = (entry[kind] ?? 0) + n;
    return out;
  });
  const contents = swept.map((text) => Buffer.from(text, 'utf8'));
  // Paths name domains, containers and files: redacted like the contents (pseudonyms in strict mode),
  // and made unique (two names may become the same safe name).
  const used = new Set(['manifest.json']);
  const paths = files.map((file) => {
    const cleaned = file.path
      .split('/')
      .map((part) => safeName(redactor.sweep(redactor.redact(part))))
      .join('/');
    let candidate = cleaned;
    for (let n = 2; used.has(candidate); n++) {
      const dot = cleaned.lastIndexOf('.');
      candidate =
        dot > cleaned.lastIndexOf('/')
          ? `${cleaned.slice(0, dot)}-${String(n)}${cleaned.slice(dot)}`
          : `${cleaned}-${String(n)}`;
    }
    used.add(candidate);
    return candidate;
  });
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    nova: NOVA_VERSION,
    createdAt: now.toISOString(),
    options: { redact: options.redact, logs: options.logs, system: options.system, metrics: options.metrics },
    host: { platform: platform(), arch: arch(), kernel: release(), node: process.version },
    files: files.map((file, index) => {
      const redacted = perFile[index] ?? {};
      return {
        path: paths[index] ?? file.path,
        // A why may name a path (the NovaFile's): redacted like the files.
        why: redactor.sweep(redactor.redact(file.why)),
        sizeBytes: contents[index]?.length ?? 0,
        ...(Object.keys(redacted).length === 0 ? {} : { redacted }),
      };
    }),
    // What was skipped names paths and errors: they go through the same redaction.
    skipped: skipped.map((entry) => ({
      source: redactor.sweep(redactor.redact(entry.source)),
      reason: redactor.sweep(redactor.redact(entry.reason)),
    })),
    notes: [
      ...notes.map((note) => redactor.sweep(redactor.redact(note))),
      options.redact === 'none'
        ? 'Nothing was redacted (--redact none): check the contents before sharing this bundle.'
        : `Redaction: ${options.redact}. Redacted values read [redacted:KIND]${options.redact === 'strict' ? '; host names, user names, MAC and IP addresses are replaced by pseudonyms (host-1, user-1, mac-1, ip-1), the same one for the same value in every file' : ''}.`,
    ],
    // Counted last, after the notes, reasons and paths went through redaction too.
    redactions: {},
  };
  manifest.redactions = redactor.counts();
  return {
    files: files.map((file, index) => ({
      path: paths[index] ?? file.path,
      content: contents[index] ?? Buffer.alloc(0),
    })),
    manifest,
  };
}
