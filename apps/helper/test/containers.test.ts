import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type ImageProgress, type NewContainer, NovaError } from '@nova/core';
import { afterAll, describe, expect, it, vi } from 'vitest';

import { ProgressThrottle } from '../src/progress-throttle.js';
import { checkMounts, newestLogLines, redactEnv } from '../src/services/containers.js';

async function refusal(promise: Promise<unknown>): Promise<NovaError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(NovaError);
  return error as NovaError;
}

const bind = (source: string, target = '/data'): NewContainer['mounts'][number] => ({
  type: 'bind',
  source,
  target,
  readOnly: false,
});

describe('what a read of a container shows', () => {
  it('leaves the environment’s values out, keeping the names', () => {
    expect(redactEnv(['PATH=/usr/bin', 'SECRET=a=b', 'EMPTY=', 'BARE'])).toEqual([
      'PATH=…',
      'SECRET=…',
      'EMPTY=…',
      'BARE',
    ]);
  });

  it('keeps the newest log lines within the line and byte limits, and says when it cut', () => {
    const lines = Array.from({ length: 10 }, (_, i) => ({ stream: 'stdout' as const, text: `line ${i}` }));
    expect(newestLogLines(lines, 20, 1_000_000)).toEqual({ entries: lines, truncated: false });
    const cut = newestLogLines(lines, 3, 1_000_000);
    expect(cut.entries.map((e) => e.text)).toEqual(['line 7', 'line 8', 'line 9']);
    expect(cut.truncated).toBe(true);
    const big = [
      { stream: 'stdout' as const, text: 'x'.repeat(500) },
      { stream: 'stderr' as const, text: 'y'.repeat(500) },
    ];
    const bytes = newestLogLines(big, 10, 700);
    expect(bytes.entries.map((e) => e.stream)).toEqual(['stderr']);
    expect(bytes.truncated).toBe(true);
  });
});

describe('mounts for a container of a root-owned engine', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nova-mounts-'));
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });
  const root = { uid: 0, gid: 0 };

  it('refuses forms that would smuggle a path or options past the checks, before looking at any file', async () => {
    const cases: [NewContainer['mounts'][number], RegExp][] = [
      [{ type: 'volume', source: '/etc', target: '/x', readOnly: false }, /not a volume name/],
      [{ type: 'volume', source: '../etc', target: '/x', readOnly: false }, /not a volume name/],
      [bind('relative/path'), /absolute path/],
      [bind('/tmp/../etc'), /absolute path without \. or \.\./],
      [bind('/tmp/a:/etc'), /colon, comma/],
      [bind('/tmp/a,b'), /colon, comma/],
      [bind('/tmp/a\0b'), /control character/],
      [bind(scratch, '/data:ro'), /colon or comma/],
    ];
    for (const [mount, message] of cases) {
      // A missing bind source first: the form is refused before anything is resolved.
      const error = await refusal(checkMounts([bind('/nonexistent/nova'), mount], root));
      expect(error.code, JSON.stringify(mount)).toBe('invalid-input');
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('\0');
    }
  });

  it('lets root mount what exists, by its real path, but never /', async () => {
    mkdirSync(join(scratch, 'real'));
    symlinkSync(join(scratch, 'real'), join(scratch, 'link'));
    expect(await checkMounts([bind(join(scratch, 'link'))], root)).toEqual([bind(join(scratch, 'real'))]);
    symlinkSync('/', join(scratch, 'to-root'));
    for (const source of ['/', join(scratch, 'to-root')]) {
      const error = await refusal(checkMounts([bind(source)], root));
      expect(error.code).toBe('not-authorized');
      expect(error.message).toContain('root folder');
    }
    expect((await refusal(checkMounts([bind(join(scratch, 'missing'))], root))).code).toBe('not-found');
  });

  // Resolving as another user needs root (setuid for the child); `nobody` is in every passwd.
  it.skipIf(process.getuid?.() !== 0)('lets a user mount only what that user owns', async () => {
    const nobody = { uid: 65534, gid: 65534 };
    chmodSync(scratch, 0o755);
    const mine = join(scratch, 'nobodys');
    mkdirSync(mine);
    chownSync(mine, nobody.uid, nobody.gid);
    expect(await checkMounts([bind(mine)], nobody)).toEqual([bind(mine)]);
    const error = await refusal(checkMounts([bind(join(scratch, 'real'))], nobody));
    expect(error.code).toBe('not-authorized');
    expect(error.message).toContain(`belongs to uid 0, not to you (uid ${nobody.uid})`);
  });
});

describe('a pull’s progress on its way to the caller', () => {
  const step = (id: string, status: string, current?: number): ImageProgress => ({
    id,
    status,
    ...(current === undefined ? {} : { current, total: 1000 }),
  });

  it('passes every change of status at once, and byte counts at most once per interval, the newest', () => {
    const sent: ImageProgress[] = [];
    let now = 1_000;
    const throttle = new ProgressThrottle(
      (p) => sent.push(p),
      100,
      () => now,
    );
    throttle.push(step('a', 'Pulling fs layer'));
    throttle.push(step('a', 'Downloading', 10));
    // A new status (Downloading) goes out at once; the byte counts that follow it wait.
    expect(sent.map((p) => `${p.status} ${p.current ?? ''}`)).toEqual([
      'Pulling fs layer ',
      'Downloading 10',
    ]);
    for (let current = 20; current <= 500; current += 10) {
      now += 1;
      throttle.push(step('a', 'Downloading', current));
    }
    expect(sent).toHaveLength(2);
    throttle.push(step('b', 'Pulling fs layer'));
    expect(sent.at(-1)).toEqual(step('b', 'Pulling fs layer'));
    now += 200;
    throttle.flush();
    expect(sent.at(-1)).toEqual(step('a', 'Downloading', 500));
    throttle.push(step('a', 'Download complete'));
    throttle.flush();
    expect(sent.map((p) => p.status)).toEqual([
      'Pulling fs layer',
      'Downloading',
      'Pulling fs layer',
      'Downloading',
      'Download complete',
    ]);
  });

  it('sends what it held back once the interval is over, without another push', () => {
    vi.useFakeTimers();
    try {
      const sent: ImageProgress[] = [];
      const throttle = new ProgressThrottle((p) => sent.push(p), 30);
      throttle.push(step('a', 'Downloading', 1));
      throttle.push(step('a', 'Downloading', 2));
      throttle.push(step('a', 'Downloading', 3));
      vi.advanceTimersByTime(29);
      expect(sent.map((p) => p.current)).toEqual([1]);
      vi.advanceTimersByTime(1);
      expect(sent.map((p) => p.current)).toEqual([1, 3]);
    } finally {
      vi.useRealTimers();
    }
  });
});
