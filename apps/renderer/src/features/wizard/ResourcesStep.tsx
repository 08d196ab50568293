// The resources step: how many vCPUs and how much memory the VM gets.
import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function ResourcesStep({ answers, issues, update }: StepProps) {
  return (
    <>
      <div className="field">
        <label htmlFor={fieldId('cpu')}>vCPUs</label>
        <input
          {...described('cpu', issues)}
          type="number"
          min={1}
          value={answers.cpu < 0 ? '' : answers.cpu}
          onChange={(event) => {
            const value = event.target.value;
            update({ cpu: /^\d{1,6}$/.test(value) ? Number(value) : -1 });
          }}
        />
        <FieldProblem field="cpu" issues={issues} />
      </div>
      <div className="field">
        <label htmlFor={fieldId('memory')}>Memory</label>
        <input
          {...described('memory', issues, 'wizard-memory-note')}
          value={answers.memory}
          onChange={(event) => {
            update({ memory: event.target.value });
          }}
        />
        <div className="hint" id="wizard-memory-note">
          Such as 512Mi or 4Gi.
        </div>
        <FieldProblem field="memory" issues={issues} />
      </div>
    </>
  );
}
