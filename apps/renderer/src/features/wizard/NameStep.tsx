// The name step: what the VM is called.
import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function NameStep({ answers, issues, update }: StepProps) {
  return (
    <div className="field">
      <label htmlFor={fieldId('name')}>Name</label>
      <input
        {...described('name', issues)}
        value={answers.name}
        autoComplete="off"
        onChange={(event) => {
          update({ name: event.target.value });
        }}
      />
      <FieldProblem field="name" issues={issues} />
    </div>
  );
}
