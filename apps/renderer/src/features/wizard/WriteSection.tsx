// Writing the answers: "Write and apply" (the NovaFile section, then the VM) or "Write only", once the
// answers have no problem left, and the run's progress and outcome.
import { WIZARD_STEP_TITLES, type WizardIssue } from '@nova/core';

import type { WizardState } from '../../stores/wizard.js';

export function WriteSection({
  issues,
  ready,
  run,
  name,
  file,
  onStart,
}: {
  /** Every problem of the answers: none may be left to write. */
  issues: WizardIssue[];
  /** The answers have a preview with a change and no problem. */
  ready: boolean;
  run: WizardState['run'];
  /** The VM's name, for the outcome. */
  name: string;
  /** The NovaFile written to, when the run does not name one. */
  file: string;
  onStart: (apply: boolean) => Promise<void>;
}) {
  const running = run.status === 'running';
  return (
    <section aria-labelledby="wizard-apply-title" className="wizard-apply">
      <h2 id="wizard-apply-title">Write</h2>
      <p className="note">
        Dry run: nothing is written until you choose. “Write and apply” writes the section and makes the VM;
        if that fails, the section is taken out again.
      </p>
      {issues.length > 0 ? (
        <p className="note">{`${issues.length} ${issues.length === 1 ? 'answer needs' : 'answers need'} a fix first (${[...new Set(issues.map((i) => WIZARD_STEP_TITLES[i.step]))].join(', ')}).`}</p>
      ) : null}
      <div className="wizard-nav">
        <button type="button" disabled={!ready || running} onClick={() => void onStart(true)}>
          Write and apply
        </button>
        <button type="button" disabled={!ready || running} onClick={() => void onStart(false)}>
          Write only
        </button>
      </div>
      {run.status === 'idle' ? null : (
        <div className="wizard-progress">
          <p role="status">
            {run.status === 'running'
              ? run.apply
                ? 'Writing and applying…'
                : 'Writing…'
              : run.status === 'done'
                ? run.result?.applied === true
                  ? `VM "${name}" is made.`
                  : `Written to ${run.result?.file ?? file}.`
                : 'Failed.'}
          </p>
          <ol aria-label="Progress">
            {run.progress.map((line, index) => (
              <li key={index} className={`progress-${line.status}`}>
                {line.total === undefined
                  ? line.message
                  : `[${(line.index ?? 0) + 1}/${line.total}] ${line.message}`}
                {line.status === 'done' ? ': done' : line.status === 'failed' ? ': failed' : ''}
              </li>
            ))}
          </ol>
          {run.error === undefined ? null : (
            <div role="alert" className="problem">
              {run.error.message}
              {run.error.detail === undefined ? null : <div className="hint">{run.error.detail}</div>}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
