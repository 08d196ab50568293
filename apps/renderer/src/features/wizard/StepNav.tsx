// The list of the wizard's steps: each a button that goes to it, the current one marked, and the ones
// the person tried to leave while they had problems marked as needing a fix.
import { WIZARD_STEP_TITLES, type WizardIssue, type WizardStep } from '@nova/core';

export function StepNav({
  steps,
  stepIndex,
  issues,
  attempted,
  onGo,
}: {
  steps: WizardStep[];
  stepIndex: number;
  /** Every problem of the answers, whichever step it belongs to. */
  issues: WizardIssue[];
  /** The steps the person tried to leave. */
  attempted: ReadonlySet<WizardStep>;
  onGo: (index: number) => void;
}) {
  return (
    <nav aria-label="Wizard steps">
      <ol className="wizard-steps">
        {steps.map((candidate, index) => {
          const problem = issues.some((issue) => issue.step === candidate) && attempted.has(candidate);
          return (
            <li key={candidate}>
              <button
                type="button"
                aria-current={index === stepIndex ? 'step' : undefined}
                onClick={() => {
                  onGo(index);
                }}
              >
                {`${index + 1}. ${WIZARD_STEP_TITLES[candidate]}${problem ? ' (needs a fix)' : ''}`}
              </button>
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
