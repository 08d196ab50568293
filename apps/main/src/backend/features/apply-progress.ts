// One line of progress for an event of applying a plan, as the wizard and the gallery push it to
// windows (`wizard.progress`, `templates.progress`).
import type { WizardProgress } from '@nova/core';
import type { ApplyEvent } from '@nova/core/node';

export function applyEventProgress(runId: string, event: ApplyEvent): WizardProgress {
  if (event.type === 'note') return { runId, message: event.message, status: 'info' };
  const failure = event.status === 'failed' ? (event.error?.message ?? '') : undefined;
  if (event.type === 'rollback')
    return {
      runId,
      message: `Rolling back: ${event.description}${failure === undefined ? '' : ` failed: ${failure}`}`,
      status: event.status,
    };
  return {
    runId,
    message: `${event.step.action} ${event.step.kind} ${event.step.name}${failure === undefined ? '' : `: ${failure}`}`,
    index: event.index,
    total: event.total,
    status: event.status,
  };
}

/** The line that says what an apply will do: its steps for `what`, and the changes it leaves. */
export function plannedProgress(runId: string, what: string, steps: number, left: number): WizardProgress {
  return {
    runId,
    message: `Planned ${String(steps)} ${steps === 1 ? 'step' : 'steps'} for ${what}${left === 0 ? '' : ` (${String(left)} other changes are left for nova apply)`}`,
    status: 'info',
  };
}
