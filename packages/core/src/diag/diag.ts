// `nova diag`: every check runs at once, each under its own timeout, so that one hung service never
// hangs the report. The checks themselves are in ./checks.ts; this file runs and sums them up.
import type { DiagCheckResult, DiagReport, DiagStatus } from '../contract/features/support.js';
import { NOVA_VERSION } from '../version.js';

/** What a check finds: its status, what it saw, and what to do. */
export interface DiagOutcome {
  status: DiagStatus;
  detail: string;
  fix?: string;
}

export interface DiagCheck {
  id: string;
  title: string;
  /** Overrides the run's timeout (a first helper call may have to wait for bus activation). */
  timeoutMs?: number;
  run(): Promise<DiagOutcome>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 8_000;

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs one check under a timeout; a check that throws or hangs fails with what happened. */
export async function runCheck(check: DiagCheck, timeoutMs: number): Promise<DiagCheckResult> {
  const started = performance.now();
  const limit = check.timeoutMs ?? timeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<DiagOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({
        status: 'fail',
        detail: `no answer within ${(limit / 1000).toFixed(1)} s: the service this check asks hangs`,
        fix: 'Restart that service (see the other checks for which one), then run nova diag again.',
      });
    }, limit);
  });
  let outcome: DiagOutcome;
  try {
    outcome = await Promise.race([
      check.run().catch((err: unknown): DiagOutcome => ({
        status: 'fail',
        detail: `the check itself failed: ${reasonOf(err)}`,
        fix: 'Report this with a support bundle (nova support bundle).',
      })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return {
    id: check.id,
    title: check.title,
    status: outcome.status,
    detail: outcome.detail,
    ...(outcome.fix === undefined ? {} : { fix: outcome.fix }),
    durationMs: Math.round(performance.now() - started),
  };
}

export interface RunDiagnosticsOptions {
  timeoutMs?: number;
  now?: () => Date;
}

/** Runs every check concurrently and reports each, in the order given. */
export async function runDiagnostics(
  checks: readonly DiagCheck[],
  options: RunDiagnosticsOptions = {},
): Promise<DiagReport> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const results = await Promise.all(
    checks.map((check) => runCheck(check, options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS)),
  );
  const summary = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const result of results) summary[result.status]++;
  return {
    nova: NOVA_VERSION,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    checks: results,
    summary,
  };
}

const SYMBOL: Record<DiagStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skipped: 'skip' };

/** The report as text for a terminal: one block per check, the fix under what failed. Pure. */
export function formatDiagReport(report: DiagReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`[${SYMBOL[check.status]}] ${check.title}: ${check.detail}`);
    if (check.fix !== undefined && check.status !== 'ok') lines.push(`       fix: ${check.fix}`);
  }
  const { ok, warn, fail, skipped } = report.summary;
  lines.push('');
  lines.push(
    `${report.checks.length} checks in ${(report.durationMs / 1000).toFixed(1)} s: ${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skipped} skipped.`,
  );
  return lines.join('\n');
}
