// How a wizard field is tied to its label and to its problems: the ids the inputs and their messages
// share (so that a screen reader reads a field's problem with it), and the messages themselves.
import type { WizardIssue } from '@nova/core';

export const fieldId = (field: string) => `wizard-${field}`;
export const errorId = (field: string) => `wizard-${field}-error`;

/** Props that tie an input to its label and to its problem, if it has one. */
export function described(field: string, issues: WizardIssue[], hintId?: string) {
  const problem = issues.some((issue) => issue.field === field);
  const ids = [problem ? errorId(field) : undefined, hintId].filter((id) => id !== undefined);
  return {
    id: fieldId(field),
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': ids.length === 0 ? undefined : ids.join(' '),
  } as const;
}

/** The problems the preview found with `field`, if any, under its id for aria-describedby. */
export function FieldProblem({ field, issues }: { field: string; issues: WizardIssue[] }) {
  const mine = issues.filter((issue) => issue.field === field);
  if (mine.length === 0) return null;
  return (
    <div id={errorId(field)} className="field-problem">
      {mine.map((issue) => (
        <div key={issue.message}>
          {issue.message}
          {issue.hint === undefined ? null : <div className="hint">{issue.hint}</div>}
        </div>
      ))}
    </div>
  );
}
