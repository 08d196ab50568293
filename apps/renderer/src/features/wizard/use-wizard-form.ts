// The wizard page's form state: the wizard store (loaded with what the address asks for: a template,
// the consent given in the gallery, a pool), the current step, which steps the person tried to leave and
// which fields they touched (a step's problems show only then), and what the form's buttons do.
import { stepsFor, type WizardAnswers, type WizardStep } from '@nova/core';
import { useEffect, useMemo, useRef, useState } from 'react';

import type { NovaClient } from '../../api/client.js';
import { routeHref } from '../../shell/routes.js';
import { createWizardStore } from '../../stores/wizard.js';
import { fieldId } from './fields.js';

export interface WizardParams {
  template?: string | undefined;
  /** The provenance checks the person accepted in the gallery, comma-separated. */
  consent?: string | undefined;
  /** The storage pool chosen in the gallery for the template's image. */
  pool?: string | undefined;
}

export function useWizardForm(client: NovaClient, { template, consent, pool }: WizardParams) {
  const useWizard = useMemo(() => createWizardStore(client), [client]);
  const state = useWizard();
  const { answers, preview, stepIndex } = state;
  const [attempted, setAttempted] = useState<Set<WizardStep>>(() => new Set());
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const legendRef = useRef<HTMLLegendElement>(null);

  useEffect(() => {
    void useWizard
      .getState()
      .load(template, consent !== undefined && consent !== '')
      .then(() => {
        if (pool !== undefined && pool !== '') useWizard.getState().update({ pool });
      });
  }, [useWizard, template, consent, pool]);

  const steps = answers === undefined ? [] : stepsFor(answers.source);
  const step = steps[stepIndex] ?? 'source';

  // A new step takes the focus to its legend (not the first one while the wizard loads: no legend yet).
  useEffect(() => {
    legendRef.current?.focus();
  }, [stepIndex]);

  const allIssues = preview?.issues ?? [];
  // A step's problems show once the user touched its fields or tried to leave it.
  const stepIssues = allIssues.filter(
    (issue) =>
      issue.step === step &&
      (attempted.has(step) ||
        issue.field === undefined ||
        touched.has(issue.field) ||
        issue.step === 'source'),
  );
  const update = (patch: Partial<WizardAnswers>) => {
    setTouched((before) => new Set([...before, ...Object.keys(patch)]));
    state.update(patch);
  };
  /** Goes to the next step once the preview of the answers as they are now finds no problem in this one. */
  const next = async () => {
    setAttempted((before) => new Set([...before, step]));
    const judged = (await state.settled())?.issues ?? [];
    const blocking = judged.filter((issue) => issue.step === step);
    if (blocking.length > 0) {
      const first = blocking.find((issue) => issue.field !== undefined);
      if (first?.field !== undefined) document.getElementById(fieldId(first.field))?.focus();
      return;
    }
    useWizard.getState().goTo(stepIndex + 1);
  };
  const ready = preview !== undefined && allIssues.length === 0 && preview.hunks.length > 0;
  /** Writes (and applies); a VM that was made opens in the overview. */
  const start = async (apply: boolean) => {
    const result = await state.start(apply);
    if (result?.applied === true && result.instanceId !== undefined)
      window.location.assign(routeHref('overview', { select: result.instanceId }));
  };

  return { state, steps, step, attempted, allIssues, stepIssues, legendRef, update, next, ready, start };
}
