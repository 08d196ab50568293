// The firmware step: BIOS or UEFI, Secure Boot, TPM 2.0, and the GPU to pass through (asked for by the
// GPU labs preset, or shown while one is given).
import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function FirmwareStep({ answers, issues, update }: StepProps) {
  return (
    <>
      <div role="radiogroup" aria-label="Firmware" className="choices">
        {(['bios', 'uefi'] as const).map((firmware) => (
          <label key={firmware} className="inline">
            <input
              type="radio"
              name="wizard-firmware"
              checked={answers.firmware === firmware}
              onChange={() => {
                update({ firmware });
              }}
            />{' '}
            {firmware === 'bios' ? 'BIOS' : 'UEFI'}
          </label>
        ))}
      </div>
      <FieldProblem field="firmware" issues={issues} />
      <label className="inline">
        <input
          type="checkbox"
          {...described('secureBoot', issues)}
          checked={answers.secureBoot}
          onChange={(event) => {
            update({ secureBoot: event.target.checked });
          }}
        />{' '}
        Secure Boot
      </label>
      <FieldProblem field="secureBoot" issues={issues} />
      <label className="inline">
        <input
          type="checkbox"
          {...described('tpm', issues)}
          checked={answers.tpm}
          onChange={(event) => {
            update({ tpm: event.target.checked });
          }}
        />{' '}
        TPM 2.0
      </label>
      <FieldProblem field="tpm" issues={issues} />
      {answers.preset === 'gpu-labs' || (answers.gpu ?? '') !== '' ? (
        <div className="field">
          <label htmlFor={fieldId('gpu')}>GPU PCI address</label>
          <input
            {...described('gpu', issues)}
            value={answers.gpu ?? ''}
            placeholder="0000:01:00.0"
            onChange={(event) => {
              update({ gpu: event.target.value });
            }}
          />
          <FieldProblem field="gpu" issues={issues} />
        </div>
      ) : null}
    </>
  );
}
