// The storage pool a template's image is copied into: a choice among the host's pools when they could be
// read, a free text field when not.
import { describePoolChoice } from '@nova/core';

import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

/** Where a template's image is copied: a pool of the host, nova-disks by default (made on first use). */
export function PoolField({ answers, context, issues, update }: StepProps) {
  const pools = context.pools;
  const chosen = answers.pool ?? pools?.find((pool) => pool.isDefault)?.name ?? '';
  const file = `${answers.name === '' ? 'NAME' : answers.name}.${
    context.templates.find((t) => t.id === answers.template)?.imageFormat === 'raw' ? 'img' : 'qcow2'
  }`;
  return (
    <div className="field">
      <label htmlFor={fieldId('pool')}>Storage pool</label>
      {pools === undefined ? (
        <input
          {...described('pool', issues, 'wizard-pool-note')}
          value={chosen}
          placeholder="nova-disks"
          onChange={(event) => {
            update({ pool: event.target.value });
          }}
        />
      ) : (
        <select
          {...described('pool', issues, 'wizard-pool-note')}
          value={chosen}
          onChange={(event) => {
            update({ pool: event.target.value });
          }}
        >
          {pools.map((pool) => (
            <option key={pool.name} value={pool.name}>
              {describePoolChoice(pool)}
            </option>
          ))}
          {chosen !== '' && !pools.some((pool) => pool.name === chosen) ? (
            <option value={chosen}>{chosen}</option>
          ) : null}
        </select>
      )}
      <div className="hint" id="wizard-pool-note">
        {pools === undefined
          ? 'The host’s storage pools could not be read: type a pool’s name.'
          : `The template’s image is copied into this pool as ${file}, the VM’s system disk.`}
      </div>
      <FieldProblem field="pool" issues={issues} />
    </div>
  );
}
