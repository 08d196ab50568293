// Every file Nova writes survives kill -9 of its writer at any moment. A child process (writer-child.ts)
// runs Nova's real writers, each writing continuously in a folder of its own; the test kills it with
// SIGKILL after a random delay drawn from one writer's measured write time (a different writer each
// time), at least NOVA_CRASH_KILLS (default 200) times, and after every kill checks each file: the old
// content or the new one exactly, read by Nova's own reader, and no temporary files piling up. Writer
// processes start two ahead and warm up on scratch files, so that the kills land in warm, steady writes.
// The random moments come from a seed printed at the start; NOVA_CRASH_SEED=N replays its delays.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseJsonLines } from '../../apps/helper/src/json-lines.js';
import { KvmHealth } from '../../apps/helper/src/kvm-health.js';
import { OriginRegistry, type Origins } from '../../apps/helper/src/origins.js';
import { applyEdits } from '../../packages/core/src/novafile/edit.js';
import { readNovaFile } from '../../packages/core/src/novafile/read.js';
import { BUNDLE_FORMAT } from '../../packages/core/src/support/bundle.js';
import { bundleForUsers } from '../support/as-user.js';
import { mustRun, REPO_ROOT } from '../support/lab.js';
import {
  auditEntry,
  KVM_REASONS,
  NOVAFILE_MEMORY,
  ORIGINS_PROJECT,
  type WriterConfig,
  type WriterKind,
  type WriterOrder,
} from '../support/writer-child.js';

const KILLS = Number(process.env['NOVA_CRASH_KILLS'] ?? 200);
const SEED =
  process.env['NOVA_CRASH_SEED'] === undefined ? randomInt(2 ** 31) : Number(process.env['NOVA_CRASH_SEED']);
const KINDS: WriterKind[] = [
  'novafile',
  'origins',
  'audit',
  'template-cache',
  'kvm-health',
  'support-bundle',
];
const TEMPORARY = /\.nova-(\d+)-[0-9a-f]{12}\.tmp$/;
const AUDIT_ROTATE_BYTES = 2 * 1024 * 1024;
const IMAGE_BYTES = 512 * 1024;

/** mulberry32: a small seeded generator, so that a seed replays the same delays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ── The writer process ──

interface Writer {
  child: ChildProcessWithoutNullStreams;
  /** Per kind: whether the last marker was "begin" (a write under way) and how many writes ended. */
  under: Map<string, boolean>;
  ends: Map<string, number>;
  stderr: () => string;
  /** The writers have started (or, ordered once, how long each write took). */
  ready: Promise<Record<string, number>>;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
/** How long one write of each kind takes, from every write seen so far. */
const durations = new Map<string, { total: number; count: number }>();
function timed(kind: string, ms: number): void {
  const known = durations.get(kind) ?? { total: 0, count: 0 };
  durations.set(kind, { total: known.total + ms, count: known.count + 1 });
}

let scratches = 0;

/** A writer process; it warms up on scratch copies of the files while it waits for its order. */
function startWriter(program: string): Writer {
  const scratch = join(root, `scratch-${String(scratches++)}`);
  const at = (kind: WriterKind) => join(scratch, kind, basename(files[kind]));
  for (const kind of KINDS) mkdirSync(join(scratch, kind), { recursive: true });
  writeFileSync(at('novafile'), NOVAFILE_OLD);
  writeFileSync(at('origins'), originsText(0));
  const warm: WriterOrder = {
    writers: {
      novafile: { file: at('novafile') },
      origins: { file: at('origins') },
      audit: { file: at('audit'), start: 0 },
      'template-cache': { file: at('template-cache'), url: imageUrl },
      'kvm-health': { file: at('kvm-health') },
      'support-bundle': { file: at('support-bundle'), novaFile: bundledNovaFile },
    },
  };
  const child = spawn(process.execPath, [program, JSON.stringify(warm)], {
    cwd: REPO_ROOT,
    // No qemu or libvirtd on the PATH: the bundle's version probes fail at once instead of running.
    env: { PATH: '/nonexistent', LANG: 'C.UTF-8', HOME: tmpdir() },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const under = new Map<string, boolean>();
  const ends = new Map<string, number>();
  running.add(child);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code, signal });
    });
  });
  const ready = new Promise<Record<string, number>>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [word, kind, , ms] = line.split(' ');
      if (word === 'ready') resolve({});
      else if (word === 'measured') {
        const measured = JSON.parse(line.slice('measured '.length)) as Record<string, number>;
        for (const [name, value] of Object.entries(measured)) timed(name, value);
        resolve(measured);
      } else if (word === 'begin' && kind !== undefined) under.set(kind, true);
      else if (word === 'end' && kind !== undefined && ms !== undefined) {
        under.set(kind, false);
        ends.set(kind, (ends.get(kind) ?? 0) + 1);
        timed(kind, Number(ms));
      }
    });
    void closed.then(({ code, signal }) => {
      reject(new Error(`the writer ended before it was ready (${String(code ?? signal)}): ${stderr}`));
    });
  });
  ready.catch(() => undefined);
  return { child, under, ends, stderr: () => stderr, ready, closed };
}

function order(writer: Writer, value: WriterOrder): void {
  writer.child.stdin.write(`${JSON.stringify(value)}\n`);
}

// ── The files and what they may hold ──

const root = mkdtempSync(join(tmpdir(), 'nova-crash-'));
const dirs = Object.fromEntries(KINDS.map((kind) => [kind, join(root, kind)])) as Record<WriterKind, string>;
const files: Record<WriterKind, string> = {
  novafile: join(dirs.novafile, 'NovaFile'),
  origins: join(dirs.origins, 'origins.json'),
  audit: join(dirs.audit, 'audit.log'),
  'template-cache': join(dirs['template-cache'], 'debian-12.qcow2'),
  'kvm-health': join(dirs['kvm-health'], 'kvm-unusable'),
  'support-bundle': join(dirs['support-bundle'], 'nova-support.tar.gz'),
};
const bundledNovaFile = join(root, 'bundled-NovaFile');

// A NovaFile of about 20 KiB (many VMs, long comments).
const NOVAFILE_OLD = [
  'project = "crash"',
  '',
  '[vm.web]',
  'cpu = 2',
  `memory = "${NOVAFILE_MEMORY[0]}"`,
  ...Array.from({ length: 20 }, (_, i) => [
    '',
    ...Array.from({ length: 10 }, (_, j) => `# vm${String(i)}: note ${String(j)} ${'-'.repeat(60)}`),
    `[vm.vm${String(i)}]`,
    `cpu = ${String((i % 4) + 1)}`,
    'memory = "1Gi"',
  ]).flat(),
  '',
].join('\n');
const NOVAFILE_NEW = applyEdits(NOVAFILE_OLD, [
  { op: 'set', path: ['vm', 'web', 'memory'], value: NOVAFILE_MEMORY[1] },
]);

// The registry starts with 1000 volumes (about 50 KiB); the writer adds pools crash-0, crash-1, …
const ORIGINS_START: Origins = {
  version: 1,
  pools: {},
  volumes: Object.fromEntries(
    Array.from({ length: 1000 }, (_, i) => [`default/seed-${String(i)}.qcow2`, { project: 'seed' }]),
  ),
  bridges: {},
};
function originsText(pools: number): string {
  const origins: Origins = { ...ORIGINS_START, pools: {} };
  for (let i = 0; i < pools; i++) origins.pools[`crash-${String(i)}`] = { project: ORIGINS_PROJECT };
  return `${JSON.stringify(origins, null, 2)}\n`;
}

const images = [randomBytes(IMAGE_BYTES), randomBytes(IMAGE_BYTES)];
const served = { version: 0, full: 0, resumed: 0, changed: 0 };
let server: Server | undefined;
let imageUrl = '';

/** Sends a body in parts, a millisecond apart, as a network would: a kill often lands mid-download. */
function sendSlowly(response: ServerResponse, body: Buffer): void {
  let at = 0;
  const next = () => {
    if (response.destroyed) return;
    const part = body.subarray(at, at + 64 * 1024);
    at += part.length;
    if (at >= body.length) response.end(part);
    else response.write(part, () => setTimeout(next, 1));
  };
  next();
}

/** The image, in the version `served.version`: ETag, Range and If-Range as a registry serves them. */
function startImageServer(): Promise<void> {
  server = createServer((request, response) => {
    const body = images[served.version] ?? Buffer.alloc(0);
    const etag = `"v${String(served.version)}"`;
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range !== null && request.headers['if-range'] === etag) {
      const start = Number(range[1]);
      if (start >= body.length) {
        response.writeHead(416, { 'content-range': `bytes */${String(body.length)}` }).end();
        return;
      }
      served.resumed++;
      response.writeHead(206, {
        etag,
        'content-length': String(body.length - start),
        'content-range': `bytes ${String(start)}-${String(body.length - 1)}/${String(body.length)}`,
      });
      sendSlowly(response, body.subarray(start));
      return;
    }
    if (range !== null) served.changed++;
    else served.full++;
    response.writeHead(200, { etag, 'content-length': String(body.length), 'accept-ranges': 'bytes' });
    sendSlowly(response, body);
  });
  return new Promise((resolve) => {
    server?.listen(0, '127.0.0.1', () => {
      imageUrl = `http://127.0.0.1:${String((server?.address() as AddressInfo).port)}/debian-12.qcow2`;
      resolve();
    });
  });
}

// ── What each kill left, checked ──

interface KindReport {
  kills: number;
  /** Kills that landed while a write of this kind was under way. */
  midWrite: number;
  /** Kills that left evidence of a write cut short (a temporary file, a .partial, a torn line). */
  cutShort: number;
  problems: string[];
}
const reports = Object.fromEntries(
  KINDS.map((kind): [WriterKind, KindReport] => [kind, { kills: 0, midWrite: 0, cutShort: 0, problems: [] }]),
) as Record<WriterKind, KindReport>;
const state = { originsPools: 0, auditNext: 0, auditPrefix: '', auditTornBefore: false, tornRepaired: 0 };

/**
 * Temporary files of atomic writes: at most one, of a writer killed (the next write in the folder
 * removes it before it makes its own). Whether the writer just killed left one.
 */
function temporaries(kind: WriterKind, killed: number | undefined): boolean {
  const found = readdirSync(dirs[kind]).filter((name) => TEMPORARY.test(name));
  if (found.length > 1)
    reports[kind].problems.push(`temporary files pile up in ${dirs[kind]}: ${found.join(', ')}`);
  return found.some((name) => Number(TEMPORARY.exec(name)?.[1]) === killed);
}

function checkNovaFile(killed: number | undefined): boolean {
  const text = readFileSync(files.novafile, 'utf8');
  if (text !== NOVAFILE_OLD && text !== NOVAFILE_NEW)
    reports.novafile.problems.push(
      `the NovaFile is neither the old text nor the new (${String(text.length)} bytes)`,
    );
  else if (!readNovaFile(text).ok) reports.novafile.problems.push('readNovaFile refuses the NovaFile');
  return temporaries('novafile', killed);
}

async function checkOrigins(killed: number | undefined, committed: number): Promise<boolean> {
  const text = readFileSync(files.origins, 'utf8');
  const pools = Object.keys((await new OriginRegistry(files.origins).read()).pools).length;
  // Every change reported done is there; at most the one under way is there too.
  if (pools < committed || pools > committed + 1)
    reports.origins.problems.push(
      `the registry holds ${String(pools)} pools; ${String(committed)} were written`,
    );
  else if (text !== originsText(pools))
    reports.origins.problems.push(`the registry is not exactly what ${String(pools)} changes make`);
  state.originsPools = pools;
  return temporaries('origins', killed);
}

function checkAudit(start: number, committed: number, stderr: string): boolean {
  const problems = reports.audit.problems;
  if (stderr.includes('cannot write the audit log')) problems.push(`the writer failed: ${stderr}`);
  if (state.auditTornBefore) {
    // The last writer's torn line was cut off, and said so, before this one's first entry.
    if (stderr.includes('ended in an incomplete entry')) state.tornRepaired++;
    else if (committed > start) problems.push('a torn last line was left in place without a word');
  }
  // After a rotation the next writer may be killed before it has made the new file: then it is empty.
  const text = state.auditPrefix === '' && !existsSync(files.audit) ? '' : readFileSync(files.audit, 'utf8');
  if (!text.startsWith(state.auditPrefix)) problems.push('whole entries written before were changed');
  const parsed = parseJsonLines(text.slice(state.auditPrefix.length));
  const lines = text.slice(state.auditPrefix.length).split('\n');
  for (const line of parsed.invalid) problems.push(`line ${String(line.line)} is not a whole entry`);
  parsed.values.forEach((_, j) => {
    if (lines[j] !== JSON.stringify(auditEntry(state.auditNext + j)))
      problems.push(`entry ${String(state.auditNext + j)} is not the one written`);
  });
  const whole = state.auditNext + parsed.values.length;
  if (whole < committed || whole > committed + 1)
    problems.push(`the log holds ${String(whole)} whole entries; ${String(committed)} were written`);
  if (parsed.torn !== undefined && !`${JSON.stringify(auditEntry(whole))}\n`.startsWith(parsed.torn))
    problems.push('the torn last line is not the start of the entry being written');
  state.auditNext = whole;
  state.auditTornBefore = parsed.torn !== undefined;
  state.auditPrefix = parsed.torn === undefined ? text : text.slice(0, text.length - parsed.torn.length);
  if (parsed.torn === undefined && text.length > AUDIT_ROTATE_BYTES) {
    // As logrotate would: the next writer starts a new file.
    renameSync(files.audit, `${files.audit}.1`);
    rmSync(`${files.audit}.1`);
    state.auditPrefix = '';
  }
  return parsed.torn !== undefined;
}

function checkTemplateCache(killed: number | undefined): boolean {
  const problems = reports['template-cache'].problems;
  const dest = files['template-cache'];
  // The image of this run, or of the last when this writer was killed before it removed that one.
  if (existsSync(dest) && !images.some((image) => readFileSync(dest).equals(image)))
    problems.push('the cached image is not a whole image');
  const partial = `${dest}.partial`;
  let cut = false;
  if (existsSync(partial)) {
    // The .partial is resumable: a prefix of the version its validator names.
    let etag: string | undefined;
    try {
      etag = (JSON.parse(readFileSync(`${partial}.json`, 'utf8')) as { etag?: string }).etag;
    } catch {
      problems.push('a .partial has no readable .partial.json beside it');
    }
    const bytes = readFileSync(partial);
    const image = images[Number(/^"v(\d)"$/.exec(etag ?? '')?.[1] ?? -1)];
    if (etag !== undefined && !image?.subarray(0, bytes.length).equals(bytes))
      problems.push(`the .partial (${String(bytes.length)} bytes) is not the start of the image ${etag}`);
    cut = bytes.length > 0;
  }
  return temporaries('template-cache', killed) || cut;
}

function checkKvmHealth(killed: number | undefined): boolean {
  const text = readFileSync(files['kvm-health'], 'utf8');
  const match = /^(\S+) (.*)\n$/s.exec(text);
  if (
    match === null ||
    Number.isNaN(Date.parse(match[1] ?? '')) ||
    !(KVM_REASONS as readonly string[]).includes(match[2] ?? '')
  )
    reports['kvm-health'].problems.push(`the KVM health file is torn (${String(text.length)} bytes)`);
  return temporaries('kvm-health', killed);
}

async function checkSupportBundle(killed: number | undefined): Promise<boolean> {
  const output = files['support-bundle'];
  if (existsSync(output)) {
    // Read with the real tar, as the user does: a whole gzip archive, its manifest, the NovaFile.
    const unpacked = mkdtempSync(join(root, 'unpacked-'));
    try {
      await mustRun('tar', ['-xzf', output, '-C', unpacked]);
      const [top] = readdirSync(unpacked);
      const folder = join(unpacked, top ?? '');
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as { format?: string };
      const novaFile = readFileSync(join(folder, 'novafile', '1-bundled-NovaFile'), 'utf8');
      if (manifest.format !== BUNDLE_FORMAT || novaFile !== readFileSync(bundledNovaFile, 'utf8'))
        reports['support-bundle'].problems.push('the bundle does not hold what was bundled');
    } catch (err) {
      reports['support-bundle'].problems.push(`the bundle cannot be read: ${(err as Error).message}`);
    } finally {
      rmSync(unpacked, { recursive: true, force: true });
    }
  }
  return temporaries('support-bundle', killed);
}

/** Checks every file after a writer ended (killed, or run `completed` once); what was cut short. */
async function checkAll(
  writer: Writer,
  before: { origins: number; audit: number },
  completed: boolean,
): Promise<Record<WriterKind, boolean>> {
  const pid = completed ? undefined : writer.child.pid;
  const done = (kind: WriterKind) => (completed ? 1 : (writer.ends.get(kind) ?? 0));
  return {
    novafile: checkNovaFile(pid),
    origins: await checkOrigins(pid, before.origins + done('origins')),
    audit: checkAudit(before.audit, before.audit + done('audit'), writer.stderr()),
    'template-cache': checkTemplateCache(pid),
    'kvm-health': checkKvmHealth(pid),
    'support-bundle': await checkSupportBundle(pid),
  };
}

function orderFor(once = false): WriterOrder {
  const writers: Record<WriterKind, WriterConfig> = {
    novafile: { file: files.novafile },
    origins: { file: files.origins },
    audit: { file: files.audit, start: state.auditNext },
    'template-cache': { file: files['template-cache'], url: imageUrl },
    'kvm-health': { file: files['kvm-health'] },
    'support-bundle': { file: files['support-bundle'], novaFile: bundledNovaFile },
  };
  return { writers, once };
}

let finalRun: { code: number | null; stderr: string } | undefined;
let bundle: string | undefined;

describe(`files Nova writes, killed with SIGKILL ${String(KILLS)} times mid-write (seed ${String(SEED)})`, () => {
  beforeAll(async () => {
    console.log(`crash-safe-writes: seed ${String(SEED)}; replay with NOVA_CRASH_SEED=${String(SEED)}`);
    for (const dir of Object.values(dirs)) mkdirSync(dir);
    writeFileSync(files.novafile, NOVAFILE_OLD);
    writeFileSync(files.origins, originsText(0));
    writeFileSync(bundledNovaFile, `# ${randomBytes(64 * 1024).toString('base64')}\n`);
    await startImageServer();
    bundle = await bundleForUsers(join(REPO_ROOT, 'e2e/support/writer-child.ts'));
    const program = bundle;
    const rng = random(SEED);
    // Two writers start ahead (Node, the bundle: most of a cycle's time) while one writes.
    const pool = [startWriter(program), startWriter(program)];
    const take = () => {
      pool.push(startWriter(program));
      return pool.shift() ?? startWriter(program);
    };
    const once = async () => {
      const writer = take();
      const before = { origins: state.originsPools, audit: state.auditNext };
      order(writer, orderFor(true));
      await writer.ready;
      const { code } = await writer.closed;
      await checkAll(writer, before, true);
      return { code, stderr: writer.stderr() };
    };
    // First each writer once, alone, to time it.
    const first = await once();
    expect(first.code, first.stderr).toBe(0);
    for (let kill = 0; kill < KILLS; kill++) {
      const writer = take();
      served.version = rng() < 0.5 ? 0 : 1;
      const before = { origins: state.originsPools, audit: state.auditNext };
      order(writer, orderFor());
      await writer.ready;
      // The delay is drawn from one writer's mean write time, a different writer each time.
      const focus = durations.get(KINDS[kill % KINDS.length] ?? 'novafile');
      const mean = focus === undefined ? 1 : focus.total / focus.count;
      await new Promise((resolve) => setTimeout(resolve, rng() * 2 * mean));
      writer.child.kill('SIGKILL');
      const ended = await writer.closed;
      if (ended.signal !== 'SIGKILL')
        throw new Error(
          `a writer failed before it was killed (exit ${String(ended.code)}): ${writer.stderr()}`,
        );
      const cut = await checkAll(writer, before, false);
      for (const kind of KINDS) {
        reports[kind].kills++;
        if (writer.under.get(kind) === true) reports[kind].midWrite++;
        if (cut[kind]) reports[kind].cutShort++;
      }
    }
    // The last writer runs to its end: every file whole, nothing temporary left anywhere.
    finalRun = await once();
    for (const writer of pool) writer.child.kill('SIGKILL');
    for (const kind of KINDS) {
      console.log(
        `crash-safe-writes: ${kind}: ${String(reports[kind].kills)} kills, ${String(reports[kind].midWrite)} mid-write, ${String(reports[kind].cutShort)} left a write cut short`,
      );
    }
    console.log(
      `crash-safe-writes: template cache: ${String(served.resumed)} downloads resumed, ${String(served.changed)} restarted (the image changed), ${String(served.full)} new; audit log: ${String(state.tornRepaired)} torn lines cut off`,
    );
  }, 300_000);

  afterAll(async () => {
    // A writer still waiting for its order, when a check failed midway.
    for (const child of running) child.kill('SIGKILL');
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(root, { recursive: true, force: true });
    if (bundle !== undefined) rmSync(dirname(bundle), { recursive: true, force: true });
  });

  const landed = (kind: WriterKind) => {
    const report = reports[kind];
    expect(report.kills, `seed ${String(SEED)}`).toBeGreaterThanOrEqual(KILLS);
    // The kills land inside the writes, not between them (most of them: the moments are random).
    expect(report.midWrite, `seed ${String(SEED)}`).toBeGreaterThanOrEqual(report.kills / 4);
    expect(report.problems, `seed ${String(SEED)}`).toEqual([]);
  };
  // Checked like the rest by checkAll, after a writer that ran to its end.
  const finished = (kind: WriterKind) => {
    expect(finalRun?.code, finalRun?.stderr).toBe(0);
    expect(readdirSync(dirs[kind]).filter((name) => TEMPORARY.test(name))).toEqual([]);
  };

  it('a NovaFile edit (updateNovaFile) leaves the old text or the new, which readNovaFile reads', () => {
    landed('novafile');
    finished('novafile');
  });

  it('the origins registry never loses an entry written before, and reads after every kill', () => {
    landed('origins');
    finished('origins');
  });

  it('the audit log keeps every entry whole; a line cut by a crash is cut off, and said so, by the next start', () => {
    landed('audit');
    finished('audit');
    const parsed = parseJsonLines(readFileSync(files.audit, 'utf8'));
    expect(parsed.torn).toBeUndefined();
    expect(parsed.invalid).toEqual([]);
    expect(parsed.values.length).toBeGreaterThan(0);
  });

  it('the template cache holds the whole image or none, and a .partial is the start of the image it names', () => {
    // How many kills cut a download short, and how many runs resumed it, is up to the random moments:
    // reported above, not required (resuming is proven by the template-deploy and unit tests).
    landed('template-cache');
    finished('template-cache');
    const dest = files['template-cache'];
    expect(readFileSync(dest).equals(images[served.version] ?? Buffer.alloc(0))).toBe(true);
    expect(existsSync(`${dest}.partial`)).toBe(false);
    expect(existsSync(`${dest}.partial.json`)).toBe(false);
  });

  it('the KVM health file holds one whole line, which KvmHealth reads', async () => {
    landed('kvm-health');
    finished('kvm-health');
    const reason = await new KvmHealth(files['kvm-health']).failure();
    expect(KVM_REASONS.some((known) => reason?.endsWith(` ${known}`))).toBe(true);
  });

  // Whether a random kill happens to tear a file depends on timing; that these checks would see a torn
  // file does not: each is shown one, made by hand, and must complain.
  it('the checks above find a torn file of each kind', async () => {
    const torn = (kind: WriterKind, file: string, content: string | Buffer) => {
      const saved = readFileSync(file);
      const before = reports[kind].problems.length;
      writeFileSync(file, content);
      return {
        found: () => reports[kind].problems.length > before,
        restore: () => {
          writeFileSync(file, saved);
          reports[kind].problems.length = before;
        },
      };
    };
    const novaFile = torn('novafile', files.novafile, NOVAFILE_NEW.slice(0, NOVAFILE_NEW.length >> 1));
    checkNovaFile(undefined);
    expect(novaFile.found()).toBe(true);
    novaFile.restore();
    const kvm = torn('kvm-health', files['kvm-health'], `${new Date().toISOString()} kvm: ent`);
    checkKvmHealth(undefined);
    expect(kvm.found()).toBe(true);
    kvm.restore();
    const origins = torn('origins', files.origins, originsText(state.originsPools).slice(0, 20));
    await expect(checkOrigins(undefined, state.originsPools)).rejects.toThrow();
    origins.restore();
    const archive = readFileSync(files['support-bundle']);
    const bundleCut = torn(
      'support-bundle',
      files['support-bundle'],
      archive.subarray(0, archive.length >> 1),
    );
    await checkSupportBundle(undefined);
    expect(bundleCut.found()).toBe(true);
    bundleCut.restore();
  });

  it('a support bundle is a whole archive or absent', () => {
    // Few kills cut the archive's own write (most of a bundle's time goes to gathering): counted, not required.
    landed('support-bundle');
    finished('support-bundle');
    expect(existsSync(files['support-bundle'])).toBe(true);
  });
});
