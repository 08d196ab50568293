// The New VM wizard: the answers step by step (the form), the change they make to the NovaFile beside
// them (the diff), and writing it, with or without making the VM. The answers are judged by the
// backend's preview as they change; see use-wizard-form.ts for the form's state.
import './wizard.css';

import { useClient } from '../../shell/client-context.js';
import { DiffView } from './DiffView.js';
import { StepForm } from './StepForm.js';
import { StepNav } from './StepNav.js';
import { useWizardForm, type WizardParams } from './use-wizard-form.js';
import { WriteSection } from './WriteSection.js';

export function WizardPage(params: WizardParams) {
  const form = useWizardForm(useClient(), params);
  const { state, steps, step, attempted, allIssues, stepIssues } = form;
  const { context, answers, preview, run, loadError, previewError, stepIndex } = state;

  if (loadError !== undefined) {
    return (
      <section aria-labelledby="wizard-title" className="page wizard">
        <h1 id="wizard-title">New VM</h1>
        <div role="alert" className="problem">
          {loadError.message}
          {loadError.detail === undefined ? null : <div className="hint">{loadError.detail}</div>}
        </div>
      </section>
    );
  }
  if (context === undefined || answers === undefined) {
    return (
      <section aria-labelledby="wizard-title" className="page wizard">
        <h1 id="wizard-title">New VM</h1>
        <p aria-busy="true">Loading…</p>
      </section>
    );
  }

  return (
    <section aria-labelledby="wizard-title" className="page wizard">
      <header className="page-header">
        <h1 id="wizard-title">New VM</h1>
      </header>
      {context.warnings.map((warning) => (
        <p key={warning} className="note">
          {warning}
        </p>
      ))}
      <div className="wizard-layout">
        <div className="wizard-main">
          <StepNav
            steps={steps}
            stepIndex={stepIndex}
            issues={allIssues}
            attempted={attempted}
            onGo={(index) => {
              state.goTo(index);
            }}
          />
          <StepForm
            step={step}
            stepIndex={stepIndex}
            stepCount={steps.length}
            legendRef={form.legendRef}
            answers={answers}
            context={context}
            issues={stepIssues}
            update={form.update}
            state={state}
            onNext={form.next}
            onBack={() => {
              state.goTo(stepIndex - 1);
            }}
          />
          {previewError === undefined ? null : (
            <div role="alert" className="problem">
              {previewError.message}
            </div>
          )}
          <WriteSection
            issues={allIssues}
            ready={form.ready}
            run={run}
            name={answers.name}
            file={context.file}
            onStart={form.start}
          />
        </div>
        <DiffView preview={preview} file={context.file} />
      </div>
    </section>
  );
}
