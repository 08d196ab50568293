// A plan shown: as a stable JSON structure for tools and the GUI, and as text for people. Pure.
import type { Plan, StepAction } from './plan-types.js';

/** The plan as a stable JSON structure for tools and the GUI (no execution details). */
export function planToJson(plan: Plan, file: string): unknown {
  const count = (action: StepAction) => plan.steps.filter((s) => s.action === action).length;
  return {
    version: 1,
    file,
    project: plan.project,
    steps: plan.steps.map(({ kind, name, action, reason, changes, drift, uplink }) => ({
      kind,
      name,
      action,
      ...(reason === undefined ? {} : { reason }),
      ...(changes === undefined || changes.length === 0 ? {} : { changes }),
      ...(drift === true ? { drift: true } : {}),
      ...(uplink === undefined ? {} : { uplink }),
    })),
    conflicts: plan.conflicts.map(({ kind, name, message, hint }) => ({
      kind,
      name,
      message,
      ...(hint === undefined ? {} : { hint }),
    })),
    issues: plan.issues.map(({ path, ...rest }) => ({ ...rest, key: path.map(String).join('.') })),
    notes: plan.notes,
    summary: {
      create: count('create'),
      update: count('update') + count('resize') + count('autostart'),
      recreate: count('recreate'),
      delete: count('delete'),
      start: count('start'),
      stop: count('stop'),
    },
  };
}

const SYMBOLS: Record<StepAction, string> = {
  create: '+',
  update: '~',
  resize: '~',
  autostart: '~',
  recreate: '±',
  start: '>',
  stop: '■',
  delete: '-',
};

/** The plan for people: one line per step, like a diff. */
export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  if (plan.steps.length === 0) {
    lines.push('Nothing to do: this host already matches the file.');
  } else {
    const width = Math.max(...plan.steps.map((s) => `${s.kind} ${s.name}`.length));
    for (const s of plan.steps) {
      const what = `${s.kind} ${s.name}`.padEnd(width);
      lines.push(
        `  ${SYMBOLS[s.action]} ${what}  ${s.action}${s.drift === true ? ' (drift)' : ''}${s.reason === undefined ? '' : `: ${s.reason}`}`,
      );
    }
    const json = planToJson(plan, '') as { summary: Record<string, number> };
    const parts = Object.entries(json.summary)
      .filter(([, n]) => n > 0)
      .map(([action, n]) => `${n} to ${action}`);
    lines.push('', `Plan: ${parts.join(', ')}.`);
  }
  for (const note of plan.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
