// The disks step: the pool of a template's image, then the extra disks (or, for an ISO, the system
// disk the installer writes to and the extra ones), each with its size and pool.
import { errorId, FieldProblem } from './fields.js';
import { PoolField } from './PoolField.js';
import type { StepProps } from './step-props.js';

/** The disks of the VM, one row each, with Add disk and each row's Remove. */
export function DisksStep(props: StepProps) {
  const { answers, issues, update } = props;
  const disks = answers.disks;
  return (
    <>
      {answers.source === 'template' ? <PoolField {...props} /> : null}
      <p className="note" id="wizard-disks-note">
        {answers.source === 'iso'
          ? 'The first disk is the system disk the installer writes to; the others are extra disks.'
          : 'Extra, empty disks (the VM boots from its source).'}
      </p>
      {disks.length === 0 ? <p className="empty">No extra disks.</p> : null}
      {disks.map((disk, index) => (
        <div className="disk-row" key={index}>
          <label>
            {`Disk ${index + 1} size`}{' '}
            <input
              aria-describedby={`wizard-disks-note${issues.some((i) => i.field === 'disks') ? ` ${errorId('disks')}` : ''}`}
              value={disk.size}
              onChange={(event) => {
                update({
                  disks: disks.map((d, i) => (i === index ? { ...d, size: event.target.value } : d)),
                });
              }}
            />
          </label>
          <label>
            {`Disk ${index + 1} pool`}{' '}
            <input
              value={disk.pool ?? ''}
              placeholder="default"
              onChange={(event) => {
                const pool = event.target.value;
                update({
                  disks: disks.map((d, i) =>
                    i === index ? (pool === '' ? { size: d.size } : { ...d, pool }) : d,
                  ),
                });
              }}
            />
          </label>
          <button
            type="button"
            onClick={() => {
              update({ disks: disks.filter((_, i) => i !== index) });
            }}
          >
            {`Remove disk ${index + 1}`}
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          update({ disks: [...disks, { size: '10Gi' }] });
        }}
      >
        Add disk
      </button>
      <FieldProblem field="disks" issues={issues} />
    </>
  );
}
