// The VM wizard on this host: what it needs to know (the NovaFile, its ISO folders, the
// host's networks, VMs and storage pools, the template catalog), and writing and applying its section.
// The section is kept only if the apply succeeds, or the user asked to write without applying.
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';

import { NovaError } from '../contract/errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { listHostLinks } from '../host/ip-link.js';
import { type ApplyEvent, applyPlan, type ApplyReport } from '../novafile/apply.js';
import { updateNovaFile } from '../novafile/edit.js';
import { hostApplyBackend, type NovaFileDeps, planNovaFile } from '../novafile/novafile-service.js';
import type { Plan, PlanStep } from '../novafile/plan.js';
import { formatNovaFileError, readNovaFile } from '../novafile/read.js';
import { readNovaFileText } from '../novafile/read-text.js';
import { DEFAULT_POOL_NAME, projectName } from '../novafile/resolve.js';
import { formatSize } from '../novafile/units.js';
import { ensureStoragePool } from '../storage/ensure-pool.js';
import { storagePoolChoices } from '../storage/pool-choices.js';
import { loadCatalogReport } from '../templates/catalog.js';
import { deployTemplate } from '../templates/deploy.js';
import {
  TINY_GUEST_DIR,
  type WizardAnswers,
  type WizardContext,
  type WizardPreview,
  type WizardTemplateChoice,
} from './answers.js';
import { formatWizardIssue, previewWizard, sectionEntries, wizardEdits } from './wizard.js';

/** Where the schema looks for ISO images when the NovaFile has no [iso] table. */
const DEFAULT_ISO_PATHS = ['/data/iso', '/var/lib/libvirt/images'];
const MAX_ISOS = 500;

/** The *.iso files in the folders (not their sub-folders), sorted; unreadable folders are skipped. */
export async function listIsoFiles(folders: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const folder of folders) {
    try {
      const entries = await readdir(folder, { withFileTypes: true });
      for (const entry of entries) {
        if ((entry.isFile() || entry.isSymbolicLink()) && /\.iso$/i.test(entry.name))
          found.push(join(folder, entry.name));
      }
    } catch {
      // A folder that does not exist (yet) holds no ISO.
    }
  }
  return [...new Set(found)].sort().slice(0, MAX_ISOS);
}

export { readNovaFileText };

export interface WizardContextOptions {
  /** The VM templates to offer; default: the template catalog's VM templates. */
  templates?: () => Promise<{ templates: WizardTemplateChoice[]; note?: string }>;
  /** Where the tiny test guest is (default TINY_GUEST_DIR). */
  tinyGuestDir?: string;
}

/** The catalog's VM templates, as the wizard offers them. */
export async function catalogTemplateChoices(): Promise<{
  templates: WizardTemplateChoice[];
  note?: string;
}> {
  const report = await loadCatalogReport();
  const templates = report.entries.flatMap(({ template, failedChecks }): WizardTemplateChoice[] =>
    template.kind === 'vm'
      ? [
          {
            id: template.id,
            name: template.name,
            description: template.description,
            cpu: template.defaults.cpu,
            memory: formatSize(template.defaults.memory),
            disk: formatSize(template.defaults.disk_size),
            firmware: template.defaults.firmware,
            secureBoot: template.defaults.secure_boot,
            cloudInit: template.defaults.cloud_init,
            imageFormat: template.image.format,
            failedChecks,
          },
        ]
      : [],
  );
  return {
    templates,
    ...(report.problems.length === 0 ? {} : { note: report.problems.join('; ') }),
  };
}

/** Reads the NovaFile (absent is fine: the wizard creates it) and asks the host what the wizard needs. */
export async function loadWizardContext(
  deps: NovaFileDeps,
  file: string,
  options: WizardContextOptions = {},
): Promise<WizardContext> {
  const absolute = resolvePath(file);
  const { text, exists } = await readNovaFileText(absolute);
  const warnings: string[] = [];
  const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
  const [networks, bridges, domains, status, templates, pools] = await Promise.all([
    deps.helper('ListNetworks', {}).then(
      ({ networks: list }) => list.map((network) => network.name),
      (err: unknown) => {
        warnings.push(`libvirt networks were not read: ${reason(err)}`);
        return undefined;
      },
    ),
    listHostLinks().then(
      (links) => links.filter((link) => link.kind === 'bridge').map((link) => link.name),
      (err: unknown) => {
        warnings.push(`host bridges were not read: ${reason(err)}`);
        return [];
      },
    ),
    deps.helper('ListDomains', {}).then(
      ({ domains: list }) => list.map((domain) => domain.name),
      (err: unknown) => {
        warnings.push(`the host's VMs were not read, so a VM name may be taken: ${reason(err)}`);
        return [];
      },
    ),
    deps.helper('GetStatus', {}).then(
      (report) => report.kvm.status === 'ok',
      () => false,
    ),
    (options.templates ?? catalogTemplateChoices)().catch((err: unknown) => ({
      templates: [],
      note: `the template catalog could not be read: ${reason(err)}`,
    })),
    deps.helper('ListStorage', {}).then(
      (storage) => storagePoolChoices(storage.pools),
      (err: unknown) => {
        warnings.push(`storage pools were not read: ${reason(err)}`);
        return undefined;
      },
    ),
  ]);
  const hostNetworks = networks === undefined ? undefined : [...networks, ...bridges];
  const read = readNovaFile(text, {
    file,
    ...(hostNetworks === undefined ? {} : { host: { networks: hostNetworks } }),
  });
  const isoFolders = (read.ok ? read.model.iso?.paths : undefined) ?? DEFAULT_ISO_PATHS;
  const isos = await listIsoFiles(isoFolders.map((folder) => resolvePath(dirname(absolute), folder)));
  const guestDir = options.tinyGuestDir ?? TINY_GUEST_DIR;
  const kernel = join(guestDir, 'vmlinuz');
  const initrd = join(guestDir, 'initrd.img');
  return {
    file,
    text,
    exists,
    ...(hostNetworks === undefined ? {} : { hostNetworks }),
    hostVms: domains,
    isos,
    templates: templates.templates,
    ...(templates.note === undefined ? {} : { templatesNote: templates.note }),
    ...(existsSync(kernel) && existsSync(initrd) ? { tinyGuest: { kernel, initrd } } : {}),
    kvmUsable: status,
    ...(pools === undefined ? {} : { pools }),
    warnings,
  };
}

/** Whether a path the answers name exists; relative paths start at the NovaFile's folder. */
export function pathChecker(file: string): (path: string) => boolean {
  const base = dirname(resolvePath(file));
  return (path) => existsSync(isAbsolute(path) ? path : resolvePath(base, path));
}

/** The preview with the files the answers name checked on this host. */
export function previewOnHost(context: WizardContext, answers: WizardAnswers): WizardPreview {
  return previewWizard(context, answers, { exists: pathChecker(context.file) });
}

/** The steps of a plan that make this VM: its disks, the VM, starting it, and pools they need. */
export function stepsForVm(plan: Plan, name: string): { plan: Plan; left: PlanStep[] } {
  const pools = new Set<string>();
  const mine = (step: PlanStep): boolean => {
    const target = step.target;
    if (target?.kind === 'vm') return target.desired.spec.name === name;
    if (target?.kind === 'volume' && target.desired.vm === name) {
      pools.add(target.desired.spec.pool);
      return true;
    }
    return step.kind === 'vm' && step.name === name;
  };
  const chosen = new Set(plan.steps.filter(mine));
  // Disks and files of the VM sit in pools: creating a pool the VM needs is part of making it.
  for (const step of plan.steps) {
    if (
      step.kind === 'pool' &&
      step.action === 'create' &&
      (pools.has(step.name) || poolOfVmFile(plan, step, name))
    )
      chosen.add(step);
  }
  const steps = plan.steps.filter((step) => chosen.has(step));
  return { plan: { ...plan, steps }, left: plan.steps.filter((step) => !chosen.has(step)) };
}

/** Whether a pool step holds a file the VM boots from (its kernel, image, ISO): one made for the VM. */
function poolOfVmFile(plan: Plan, poolStep: PlanStep, name: string): boolean {
  if (poolStep.target?.kind !== 'pool') return false;
  const folder = poolStep.target.desired.spec.path;
  const vm = plan.steps.find((step) => step.target?.kind === 'vm' && step.target.desired.spec.name === name);
  if (vm?.target?.kind !== 'vm') return false;
  const spec = vm.target.desired.spec;
  const files = [
    spec.kernel?.path,
    spec.kernel?.initrd,
    ...spec.disks.map((disk) => (disk.source.type === 'file' ? disk.source.path : undefined)),
  ];
  return files.some((path) => path !== undefined && dirname(path) === folder);
}

export type WizardEvent =
  | { type: 'template'; message: string }
  /** A storage pool was made or started for the VM's disks. */
  | { type: 'storage'; message: string }
  | { type: 'written'; file: string }
  | { type: 'planned'; steps: number; left: number }
  | { type: 'apply'; event: ApplyEvent }
  | { type: 'restored'; file: string; how: 'removed-section' | 'restored-text' | 'deleted-file' };

/** Whether the answers give the VM new disks in the default pool (disks without a pool of their own). */
export function newDisksInDefaultPool(answers: WizardAnswers): boolean {
  const [first, ...rest] = answers.disks;
  const extra = answers.source === 'iso' ? rest : answers.disks;
  const noPool = (disk: { pool?: string | undefined }) => disk.pool === undefined || disk.pool === '';
  return (answers.source === 'iso' && first !== undefined && noPool(first)) || extra.some(noPool);
}

export interface WizardRunResult {
  preview: WizardPreview;
  written: boolean;
  applied: boolean;
  report?: ApplyReport;
  /** Steps of the plan that are not about this VM, left for `nova apply`. */
  left: number;
}

/**
 * Writes the answers' section into the NovaFile (atomically, the rest byte for byte), and with
 * `apply`, plans and applies the steps that make this VM. A failed plan or apply takes the section out
 * again (after apply has undone what it created), so the file is as it was.
 */
export async function runWizard(
  deps: NovaFileDeps,
  file: string,
  answers: WizardAnswers,
  options: {
    apply: boolean;
    onEvent?: (event: WizardEvent) => void;
    context?: WizardContextOptions;
  },
): Promise<WizardRunResult> {
  const onEvent = options.onEvent ?? (() => undefined);
  const context = await loadWizardContext(deps, file, options.context);
  const preview = previewOnHost(context, answers);
  if (preview.issues.length > 0) {
    throw new NovaError(
      'invalid-input',
      `the answers cannot be written:\n${preview.issues.map((issue) => `  ${formatWizardIssue(issue)}`).join('\n')}`,
      `Nothing was written; ${file} is unchanged.`,
    );
  }
  const absolute = resolvePath(file);
  // The file as loadWizardContext just read it.
  const before = { text: context.text, exists: context.exists };
  const host = context.hostNetworks === undefined ? {} : { host: { networks: context.hostNetworks } };
  const read = readNovaFile(before.text, { file, ...host });
  const edits = wizardEdits(answers, context, read.ok ? read.model : undefined);
  const project = projectName(
    read.ok ? read.model : { vm: {}, container: {}, network: {}, storage: {} },
    dirname(absolute),
  );
  let written: string;
  let undoDeploy: (() => Promise<void>) | undefined;
  if (answers.source === 'template' && answers.template !== undefined) {
    // The template's image is downloaded, verified and copied into a pool by its deploy, which also
    // writes a section; the wizard's own section (as previewed, with the copy's path) replaces it.
    const deployed = await deployTemplate(
      { helper: deps.helper, hostFacts: () => Promise.resolve({ facts: host.host ?? {}, warnings: [] }) },
      {
        id: answers.template,
        name: answers.name,
        novaFile: absolute,
        ...(answers.network === '' ? {} : { network: answers.network }),
        ...(answers.pool === undefined || answers.pool === '' ? {} : { pool: answers.pool }),
        accelerator: answers.accelerator,
        ...(answers.allowUnverified === true ? { allowUnverified: true } : {}),
        onEvent: (event) => {
          if (event.type === 'step') onEvent({ type: 'template', message: event.message });
        },
      },
    );
    const volume = deployed.volume;
    undoDeploy = async () => {
      if (volume !== undefined)
        await deps
          .helper('DeleteVolume', { project, pool: volume.pool, name: volume.name })
          .catch(() => undefined);
    };
    const entries = { ...sectionEntries(answers, context, read.ok ? read.model : undefined) };
    if (volume !== undefined) entries['image'] = volume.path;
    try {
      written = (
        await updateNovaFile(absolute, [{ op: 'setTable', path: ['vm', answers.name], entries }], {
          file,
          ...host,
        })
      ).text;
    } catch (err) {
      await updateNovaFile(absolute, [{ op: 'remove', path: ['vm', answers.name] }], { file, ...host }).catch(
        () => undefined,
      );
      await undoDeploy();
      throw err;
    }
  } else if (before.exists) {
    written = (await updateNovaFile(absolute, edits, { file, ...host })).text;
  } else {
    if (existsSync(absolute))
      throw new NovaError(
        'conflict',
        `${file} appeared while Nova was writing it`,
        'Nothing was written. Try again.',
      );
    written = preview.text;
    await writeFileAtomic(absolute, written);
  }
  onEvent({ type: 'written', file });
  if (!options.apply) return { preview, written: true, applied: false, left: 0 };

  const undo = { restored: false };
  const restore = async (): Promise<void> => {
    undo.restored = true;
    await undoDeploy?.();
    const now = await readNovaFileText(absolute);
    if (now.text === written) {
      if (before.exists) await writeFileAtomic(absolute, before.text);
      else await rm(absolute, { force: true });
      onEvent({ type: 'restored', file, how: before.exists ? 'restored-text' : 'deleted-file' });
    } else {
      // Someone edited the file meanwhile: take out only the wizard's section, keep their change.
      await updateNovaFile(absolute, [{ op: 'remove', path: ['vm', answers.name] }], { file, ...host });
      onEvent({ type: 'restored', file, how: 'removed-section' });
    }
  };

  try {
    // Nova's default pool is made here, on first use, rather than by the plan: it is shared, so a
    // failed apply must not try to take it away again.
    if (newDisksInDefaultPool(answers))
      await ensureStoragePool(
        deps.helper,
        DEFAULT_POOL_NAME,
        (message) => {
          onEvent({ type: 'storage', message });
        },
        { project },
      );
    const outcome = await planNovaFile(deps, absolute, { prune: false });
    const blocking = outcome.ok
      ? [
          ...outcome.errors.map(formatNovaFileError),
          ...outcome.plan.conflicts.filter((c) => c.path === undefined).map((c) => c.message),
        ]
      : outcome.errors.map(formatNovaFileError);
    if (!outcome.ok || blocking.length > 0) {
      throw new NovaError(
        'invalid-input',
        `the new VM cannot be planned:\n${blocking.join('\n')}`,
        `The section was taken out again; ${file} is as it was.`,
      );
    }
    const { plan, left } = stepsForVm(outcome.plan, answers.name);
    onEvent({ type: 'planned', steps: plan.steps.length, left: left.length });
    const report = await applyPlan(plan, hostApplyBackend(deps), (event) => {
      onEvent({ type: 'apply', event });
    });
    if (!report.ok) {
      await restore();
      const failure = report.failed;
      const undone = report.rolledBack.filter((entry) => entry.ok).length;
      throw new NovaError(
        failure?.error.code ?? 'failed',
        `applying VM "${answers.name}" failed at ${failure?.step.action ?? ''} ${failure?.step.kind ?? ''} ${failure?.step.name ?? ''}: ${failure?.error.message ?? ''}`,
        `${report.rolledBack.length === 0 ? 'Nothing had been created.' : `Rolled back ${undone} of ${report.rolledBack.length} things it created.`} The section was taken out again; ${file} is as it was.`,
      );
    }
    return { preview, written: true, applied: true, report, left: left.length };
  } catch (err) {
    if (!undo.restored) await restore().catch(() => undefined);
    throw err;
  }
}
