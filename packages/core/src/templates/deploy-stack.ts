// Deploying a container stack template from the desktop app: the same deployTemplate the CLI runs
// (it writes the stack's [container.*] and [network.*] sections), then, with `apply`, planning the
// NovaFile and applying only the steps that make this stack, as `nova template deploy --apply` does.
// A failed plan or apply (after apply rolled back what it created) takes the sections out again, so
// the file is as it was.
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';

import { NovaError } from '../contract/errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type ApplyEvent, applyPlan } from '../novafile/apply.js';
import { updateNovaFile } from '../novafile/edit.js';
import { hostApplyBackend, type NovaFileDeps, planNovaFile } from '../novafile/novafile-service.js';
import type { Plan, PlanStep } from '../novafile/plan.js';
import { formatNovaFileError } from '../novafile/read.js';
import { readNovaFileText } from '../novafile/read-text.js';
import type { HostFacts } from '../novafile/semantics.js';
import { type CatalogOptions, loadCatalogReport } from './catalog.js';
import { type DeployEvent, type DeployResult, deployTemplate } from './deploy.js';
import type { ProvenanceCheckName } from './types.js';

export type StackDeployEvent =
  | { type: 'deploy'; event: DeployEvent }
  | { type: 'written'; file: string; sections: string[] }
  | { type: 'planned'; steps: number; left: number }
  | { type: 'apply'; event: ApplyEvent }
  | { type: 'restored'; file: string };

export interface StackDeployOptions extends CatalogOptions {
  id: string;
  /** The stack's prefix: its containers and networks are "<name>-<local name>". */
  name: string;
  /** The NovaFile to write (created if missing). */
  novaFile: string;
  /** The failed provenance checks the person accepted; every failed check must be among them. */
  consent: readonly ProvenanceCheckName[];
  apply: boolean;
  onEvent?: (event: StackDeployEvent) => void;
}

export interface StackDeployResult {
  deployed: DeployResult;
  written: boolean;
  applied: boolean;
  /** The steps applied, in words: "create container web-app". */
  done: string[];
  /** Steps of the plan about other things, left for `nova apply`. */
  left: number;
  /** The stack's containers, as the engines name them. */
  containers: string[];
}

export interface StackDeployDeps {
  novaFile: NovaFileDeps;
  hostFacts?: () => Promise<{ facts: HostFacts; warnings: string[] }>;
}

/** Whether a plan step makes one of the stack's sections (engine networks carry the project as prefix). */
function belongsToStack(step: PlanStep, sections: readonly string[], project: string): boolean {
  return sections.some((section) => {
    const [table = '', local = ''] = section.split(/\.(.*)/s);
    if (table === 'container') return step.kind === 'container' && step.name === local;
    // An engine network is named `<project>_<name>` exactly; a libvirt network by its name.
    if (step.kind === 'engine-network') return step.name === `${project}_${local}`;
    return step.kind === 'network' && step.name === local;
  });
}

/** The plan's steps that make the stack, and the rest (left for `nova apply`). */
export function stepsForStack(plan: Plan, sections: readonly string[]): { plan: Plan; left: PlanStep[] } {
  const steps = plan.steps.filter((step) => belongsToStack(step, sections, plan.project));
  return {
    plan: { ...plan, steps },
    left: plan.steps.filter((step) => !steps.includes(step)),
  };
}

function refuseWithoutConsent(id: string, missing: readonly ProvenanceCheckName[], details: string[]) {
  return new NovaError(
    'invalid-input',
    `template "${id}" failed its ${missing.join(' and ')} ${missing.length === 1 ? 'check' : 'checks'}: ${details.join('; ')}`,
    'Nothing was deployed. Deploy it only if you accept that: tick the consent box (or pass --allow-unverified).',
  );
}

/**
 * Deploys a container stack template into the NovaFile and, with `apply`, creates and starts its
 * networks and containers. Refuses a VM template (those go through the VM wizard) and a template with
 * a failed check the person did not consent to.
 */
export async function deployStackTemplate(
  deps: StackDeployDeps,
  options: StackDeployOptions,
): Promise<StackDeployResult> {
  const emit = options.onEvent ?? (() => undefined);
  const file = resolve(options.novaFile);
  const catalog: CatalogOptions = {
    novaFile: file,
    ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
    ...(options.registries === undefined ? {} : { registries: options.registries }),
    ...(options.builtin === undefined ? {} : { builtin: options.builtin }),
  };
  const report = await loadCatalogReport(catalog);
  const entry = report.entries.find((candidate) => candidate.template.id === options.id);
  if (entry === undefined) {
    throw new NovaError(
      'not-found',
      `no template "${options.id}"${report.problems.length > 0 ? ` (${report.problems.join('; ')})` : ''}`,
      'Refresh the gallery and choose one of its templates.',
    );
  }
  if (entry.template.kind !== 'container-stack') {
    throw new NovaError(
      'invalid-input',
      `template "${options.id}" is a VM template, not a container stack`,
      'Deploy VM templates through the VM wizard.',
    );
  }
  const missing = entry.failedChecks.filter((check) => !options.consent.includes(check));
  if (missing.length > 0) {
    throw refuseWithoutConsent(
      options.id,
      missing,
      missing.map((check) => `${check}: ${entry.provenance[check].detail}`),
    );
  }

  const before = await readNovaFileText(file);
  const deployed = await deployTemplate(
    {
      helper: deps.novaFile.helper,
      ...(deps.hostFacts === undefined ? {} : { hostFacts: deps.hostFacts }),
    },
    {
      ...catalog,
      id: options.id,
      name: options.name,
      novaFile: file,
      allowUnverified: entry.failedChecks.length > 0,
      onEvent: (event) => {
        emit({ type: 'deploy', event });
      },
    },
  );
  const written = (await readNovaFileText(file)).text;
  const sections = deployed.sections;

  let restored = false;
  const restore = async (): Promise<void> => {
    if (restored) return;
    restored = true;
    const now = await readNovaFileText(file);
    if (now.text === written) {
      if (before.exists) await writeFileAtomic(file, before.text);
      else await rm(file, { force: true });
    } else {
      // Someone edited the file meanwhile: take out only the stack's sections, keep their change.
      await updateNovaFile(
        file,
        sections.map((section) => ({ op: 'remove' as const, path: section.split(/\.(.*)/s).slice(0, 2) })),
      );
    }
    emit({ type: 'restored', file });
  };

  // The catalog may have changed between the check above and the deploy's own reading of it.
  const unconsented = deployed.failedChecks.filter((check) => !options.consent.includes(check));
  if (unconsented.length > 0) {
    await restore();
    throw refuseWithoutConsent(
      options.id,
      unconsented,
      unconsented.map((check) => `${check}: ${deployed.provenance[check].detail}`),
    );
  }
  emit({ type: 'written', file, sections });
  const containers = sections
    .filter((section) => section.startsWith('container.'))
    .map((section) => section.slice('container.'.length));
  if (!options.apply) return { deployed, written: true, applied: false, done: [], left: 0, containers };

  try {
    const outcome = await planNovaFile(deps.novaFile, file, { prune: false });
    const blocking = outcome.ok
      ? [
          ...outcome.errors.map(formatNovaFileError),
          ...outcome.plan.conflicts
            .filter(
              (conflict) =>
                conflict.path === undefined ||
                sections.includes(conflict.path.slice(0, 2).map(String).join('.')),
            )
            .map((conflict) => conflict.message),
        ]
      : outcome.errors.map(formatNovaFileError);
    if (!outcome.ok || blocking.length > 0) {
      throw new NovaError(
        'invalid-input',
        `the stack cannot be planned:\n${blocking.join('\n')}`,
        `The sections were taken out again; ${file} is as it was.`,
      );
    }
    const { plan, left } = stepsForStack(outcome.plan, sections);
    const uplink = plan.steps.find((step) => step.uplink !== undefined);
    if (uplink !== undefined) {
      throw new NovaError(
        'invalid-input',
        `applying would take ${uplink.uplink ?? ''} into bridge ${uplink.name}`,
        'Nothing was applied and the sections were taken out again; deploy with `nova template deploy` and consent with `nova apply --allow-uplink`.',
      );
    }
    emit({ type: 'planned', steps: plan.steps.length, left: left.length });
    const applied = await applyPlan(plan, hostApplyBackend(deps.novaFile), (event) => {
      emit({ type: 'apply', event });
    });
    if (!applied.ok) {
      await restore();
      const failure = applied.failed;
      const undone = applied.rolledBack.filter((entry) => entry.ok).length;
      throw new NovaError(
        failure?.error.code ?? 'failed',
        `applying stack "${options.name}" failed at ${failure?.step.action ?? ''} ${failure?.step.kind ?? ''} ${failure?.step.name ?? ''}: ${failure?.error.message ?? ''}`,
        `What it created was removed again (${String(undone)} of ${String(applied.rolledBack.length)} undone) and the sections were taken out of ${file}.`,
      );
    }
    return {
      deployed,
      written: true,
      applied: true,
      done: applied.done.map((step) => `${step.action} ${step.kind} ${step.name}`),
      left: left.length,
      containers,
    };
  } catch (err) {
    await restore().catch(() => undefined);
    throw err;
  }
}
