// The accelerator step: KVM, TCG emulation, or auto (KVM where it works on this host).
import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function AcceleratorStep({ answers, context, issues, update }: StepProps) {
  return (
    <div className="field">
      <label htmlFor={fieldId('accelerator')}>Accelerator</label>
      <select
        {...described('accelerator', issues, 'wizard-accelerator-note')}
        value={answers.accelerator}
        onChange={(event) => {
          const value = event.target.value;
          if (value === 'auto' || value === 'kvm' || value === 'tcg') update({ accelerator: value });
        }}
      >
        <option value="auto">Auto (KVM where it works)</option>
        <option value="kvm">KVM</option>
        <option value="tcg">TCG (emulation)</option>
      </select>
      <div className="hint" id="wizard-accelerator-note">
        {context.kvmUsable ? 'KVM works on this host.' : 'KVM does not work on this host: auto uses TCG.'}
      </div>
      <FieldProblem field="accelerator" issues={issues} />
    </div>
  );
}
