// The current step as a form: its fields under a legend that names the step, the step's problems that
// belong to no one field, and Back and Next (Next submits: it goes on only when the step has no problem).
import { WIZARD_STEP_TITLES, type WizardStep } from '@nova/core';
import type { RefObject } from 'react';

import type { StepProps } from './step-props.js';
import { StepFields } from './StepFields.js';

export interface StepFormProps extends StepProps {
  step: WizardStep;
  stepIndex: number;
  stepCount: number;
  /** The legend, which takes the focus when the step changes. */
  legendRef: RefObject<HTMLLegendElement | null>;
  onNext: () => Promise<void>;
  onBack: () => void;
}

export function StepForm({
  step,
  stepIndex,
  stepCount,
  legendRef,
  onNext,
  onBack,
  ...fields
}: StepFormProps) {
  const { issues } = fields;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void onNext();
      }}
    >
      <fieldset
        aria-describedby={issues.some((i) => i.field === undefined) ? 'wizard-step-error' : undefined}
      >
        <legend ref={legendRef} tabIndex={-1}>
          {`Step ${stepIndex + 1} of ${stepCount}: ${WIZARD_STEP_TITLES[step]}`}
        </legend>
        <StepFields step={step} {...fields} />
        {issues.some((issue) => issue.field === undefined) ? (
          <div id="wizard-step-error" className="field-problem">
            {issues
              .filter((issue) => issue.field === undefined)
              .map((issue) => (
                <div key={issue.message} style={{ whiteSpace: 'pre-wrap' }}>
                  {issue.message}
                  {issue.hint === undefined ? null : <div className="hint">{issue.hint}</div>}
                </div>
              ))}
          </div>
        ) : null}
      </fieldset>
      <div className="wizard-nav">
        <button type="button" disabled={stepIndex === 0} onClick={onBack}>
          Back
        </button>
        {stepIndex === stepCount - 1 ? null : <button type="submit">Next</button>}
      </div>
    </form>
  );
}
