import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { POLKIT_ACTIONS } from '../src/contract/helper/index.js';
import { diagChecks } from '../src/diag/checks.js';
import { type DiagCheck, formatDiagReport, runCheck, runDiagnostics } from '../src/diag/diag.js';
import { polkitPolicyXml } from '../src/generate/polkit-policy.js';

describe('running checks', () => {
  it('fails a check that hangs once its timeout is over, saying so', async () => {
    const hung: DiagCheck = { id: 'hung', title: 'Hung', run: () => new Promise(() => undefined) };
    // It answers at all: a check that waited for the hung one would time the test out instead.
    const result = await runCheck(hung, 100);
    expect(result).toMatchObject({ id: 'hung', status: 'fail' });
    expect(result.detail).toContain('no answer within 0.1 s');
    expect(result.fix).toBeTruthy();
  });

  it('fails a check that throws, with the reason', async () => {
    const broken: DiagCheck = {
      id: 'broken',
      title: 'Broken',
      run: () => Promise.reject(new Error('socket exploded')),
    };
    expect(await runCheck(broken, 1000)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('socket exploded') as unknown,
    });
  });

  it('runs every check at once, keeps their order, and counts each status', async () => {
    // Each check answers only once all four have started, and the last to start answers first: run one
    // after another, the first would wait for the others until its timeout and fail.
    const waiting: (() => void)[] = [];
    const check = (id: string, status: 'ok' | 'warn' | 'fail' | 'skipped'): DiagCheck => ({
      id,
      title: id,
      run: async () => {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          if (waiting.length === 4) for (const go of waiting.reverse()) go();
        });
        return { status, detail: `${id} detail`, ...(status === 'ok' ? {} : { fix: `fix ${id}` }) };
      },
    });
    const report = await runDiagnostics(
      [check('a', 'ok'), check('b', 'warn'), check('c', 'fail'), check('d', 'skipped')],
      { timeoutMs: 5000 },
    );
    expect(report.checks.map((c) => c.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(report.summary).toEqual({ ok: 1, warn: 1, fail: 1, skipped: 1 });
    const text = formatDiagReport(report);
    expect(text).toContain('[ok  ] a: a detail');
    expect(text).toContain('[FAIL] c: c detail\n       fix: fix c');
    expect(text).not.toContain('fix a');
    expect(text).toMatch(/4 checks in \d+\.\d s: 1 ok, 1 warning, 1 failed, 1 skipped\.$/);
  });
});

describe('the polkit check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nova-diag-polkit-'));
  let bus: string | undefined;
  beforeEach(() => {
    // No system bus for this unit test: the check reads the policy file on its own.
    bus = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    process.env['DBUS_SYSTEM_BUS_ADDRESS'] = `unix:path=${join(dir, 'no-bus')}`;
  });
  afterEach(() => {
    if (bus === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS'];
    else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = bus;
  });
  const polkitCheck = (file: string) => {
    const check = diagChecks({
      helper: () => Promise.reject(new Error('no helper in this test')),
      probeEngines: () => Promise.resolve([]),
      polkitPolicyFile: file,
    }).find((c) => c.id === 'polkit');
    if (check === undefined) throw new Error('no polkit check');
    return runCheck(check, 5000);
  };

  it('passes the policy generated from the contract', async () => {
    const file = join(dir, 'full.policy');
    writeFileSync(file, polkitPolicyXml());
    const result = await polkitCheck(file);
    expect(result.status).toBe('ok');
    expect(result.detail).toContain(`all ${Object.keys(POLKIT_ACTIONS).length} actions`);
  });

  it('fails a policy that lacks actions the contract defines, naming them', async () => {
    const file = join(dir, 'old.policy');
    writeFileSync(
      file,
      polkitPolicyXml().replace(/<action id="dev\.nova\.vm\.clone">[\s\S]*?<\/action>/, ''),
    );
    const result = await polkitCheck(file);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('dev.nova.vm.clone');
    expect(result.fix).toContain('reinstall');
  });

  it('fails when the policy is not installed', async () => {
    const result = await polkitCheck(join(dir, 'missing.policy'));
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('missing.policy');
  });
});
