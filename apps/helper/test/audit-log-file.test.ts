import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { type AuditEntry, AuditLog } from '../src/audit.js';
import { parseJsonLines } from '../src/json-lines.js';

const root = mkdtempSync(join(tmpdir(), 'nova-audit-file-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const entry = (method: string): AuditEntry => ({
  time: new Date(0).toISOString(),
  callId: `id-${method}`,
  callIdBy: 'helper',
  uid: 0,
  sender: ':1.1',
  method,
  action: 'dev.nova.test',
  arguments: {},
  result: 'ok',
});

describe('the audit log on disk', () => {
  it('cuts off the entry a crash left half-written, says so, and goes on with whole lines', async () => {
    const file = join(root, 'logs', 'audit.log');
    const before = new AuditLog(file);
    await before.record(entry('Before'));
    writeFileSync(file, `${readFileSync(file, 'utf8')}{"time":"1970-01-01T00:00:00.000Z","callId":"id-Cut`, {
      flag: 'w',
    });
    const warnings: string[] = [];
    const after = new AuditLog(file, (line) => warnings.push(line));
    await after.record(entry('After'));
    await after.record(entry('Later'));
    const parsed = parseJsonLines(readFileSync(file, 'utf8'));
    expect(parsed.torn).toBeUndefined();
    expect(parsed.invalid).toEqual([]);
    expect(parsed.values.map((value) => (value as AuditEntry).method)).toEqual(['Before', 'After', 'Later']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('incomplete entry left by a crash');
    expect(warnings[0]).toContain('"callId":"id-Cut');
  });
});
