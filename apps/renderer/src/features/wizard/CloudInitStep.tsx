// The cloud-init step: the user and the SSH public keys cloud-init sets up in the guest.
import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function CloudInitStep({ answers, issues, update }: StepProps) {
  return (
    <>
      <div className="field">
        <label htmlFor={fieldId('user')}>User</label>
        <input
          {...described('user', issues)}
          value={answers.user ?? ''}
          onChange={(event) => {
            update({ user: event.target.value });
          }}
        />
        <FieldProblem field="user" issues={issues} />
      </div>
      <div className="field">
        <label htmlFor={fieldId('sshKeys')}>SSH public keys</label>
        <textarea
          {...described('sshKeys', issues, 'wizard-keys-note')}
          rows={3}
          value={answers.sshKeys.join('\n')}
          onChange={(event) => {
            update({
              sshKeys: event.target.value
                .split('\n')
                .map((line) => line.trim())
                .filter((line) => line !== ''),
            });
          }}
        />
        <div className="hint" id="wizard-keys-note">
          One key per line, such as the contents of ~/.ssh/id_ed25519.pub.
        </div>
        <FieldProblem field="sshKeys" issues={issues} />
      </div>
    </>
  );
}
