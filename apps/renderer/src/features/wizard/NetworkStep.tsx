// The network step: none, a network the NovaFile declares, or one of the host's; an answer that is
// neither (typed into the NovaFile by hand) stays choosable.
import { networksOfText } from '@nova/core';

import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

export function NetworkStep({ answers, context, issues, update }: StepProps) {
  const declared = networksOfText(context.text);
  const host = (context.hostNetworks ?? []).filter((name) => !declared.includes(name));
  const known = [...declared, ...host];
  return (
    <div className="field">
      <label htmlFor={fieldId('network')}>Network</label>
      <select
        {...described('network', issues)}
        value={answers.network}
        onChange={(event) => {
          update({ network: event.target.value });
        }}
      >
        <option value="">None</option>
        {declared.map((name) => (
          <option key={`file-${name}`} value={name}>
            {`${name} (NovaFile)`}
          </option>
        ))}
        {host.map((name) => (
          <option key={`host-${name}`} value={name}>
            {`${name} (host)`}
          </option>
        ))}
        {answers.network !== '' && !known.includes(answers.network) ? (
          <option value={answers.network}>{answers.network}</option>
        ) : null}
      </select>
      <FieldProblem field="network" issues={issues} />
    </div>
  );
}
