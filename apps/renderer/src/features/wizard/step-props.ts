// What every step of the wizard gets: the answers so far, what the backend knows, the problems of
// this step that are shown, a way to change answers, and the wizard's store state for the choices
// that reset other answers (the source, the preset).
import type { WizardAnswers, WizardContext, WizardIssue } from '@nova/core';

import type { WizardState } from '../../stores/wizard.js';

export interface StepProps {
  answers: WizardAnswers;
  context: WizardContext;
  issues: WizardIssue[];
  update: (patch: Partial<WizardAnswers>) => void;
  state: WizardState;
}
