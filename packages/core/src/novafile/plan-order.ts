// The order a plan's steps run in. Pure.
import type { PlanStep, StepAction, StepKind } from './plan-types.js';

const PHASE: Record<StepKind, number> = {
  bridge: 0,
  network: 1,
  'engine-network': 2,
  pool: 3,
  volume: 4,
  vm: 5,
  container: 6,
};
const DELETE_PHASE: Record<StepKind, number> = {
  container: 0,
  vm: 1,
  volume: 2,
  'engine-network': 3,
  network: 4,
  bridge: 5,
  pool: 6,
};

const ACTION_ORDER: Record<StepAction, number> = {
  delete: 0,
  create: 1,
  recreate: 1,
  update: 2,
  resize: 2,
  autostart: 3,
  stop: 4,
  start: 5,
};

/** Resources before the instances that use them; starting after everything exists; deletes last. */
export function orderSteps(steps: PlanStep[]): PlanStep[] {
  const rank = (s: PlanStep): number => {
    if (s.action === 'delete') return 300 + DELETE_PHASE[s.kind];
    if (s.action === 'start' || s.action === 'stop') return 200 + PHASE[s.kind];
    return 100 + PHASE[s.kind] * 10 + ACTION_ORDER[s.action];
  };
  return steps
    .map((s, index) => ({ s, index }))
    .sort((a, b) => rank(a.s) - rank(b.s) || a.index - b.index)
    .map(({ s }) => s);
}
