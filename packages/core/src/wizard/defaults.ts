// The VM wizard's defaults, presets and steps per source. Pure (the renderer uses them too).
import { readNovaFile } from '../novafile/read.js';
import {
  type StoragePoolChoice,
  WIZARD_STEPS,
  type WizardAnswers,
  type WizardContext,
  type WizardPreset,
  type WizardSourceKind,
  type WizardStep,
} from './answers.js';

/** The answers a source starts from: small for the tiny guest, a desktop-sized VM otherwise. */
export function defaultAnswers(
  name: string,
  source: WizardSourceKind,
  context: Pick<WizardContext, 'hostNetworks' | 'templates' | 'text' | 'isos'>,
  template?: string,
): WizardAnswers {
  const fileNetworks = networksOfText(context.text);
  const network =
    [...fileNetworks, ...(context.hostNetworks ?? [])].find((candidate) => candidate === 'default') ?? '';
  const base: WizardAnswers = {
    name,
    source,
    cpu: 2,
    memory: '2Gi',
    disks: [],
    network,
    firmware: 'bios',
    secureBoot: false,
    tpm: false,
    accelerator: 'auto',
    sshKeys: [],
  };
  if (source === 'tiny') return { ...base, cpu: 1, memory: '128Mi', accelerator: 'tcg' };
  if (source === 'iso')
    return {
      ...base,
      disks: [{ size: '20Gi' }],
      ...(context.isos[0] === undefined ? {} : { iso: context.isos[0] }),
    };
  if (source === 'template') {
    const chosen = context.templates.find(
      (candidate) => candidate.id === (template ?? context.templates[0]?.id),
    );
    if (chosen === undefined) return { ...base, ...(template === undefined ? {} : { template }) };
    return {
      ...base,
      template: chosen.id,
      cpu: chosen.cpu,
      memory: chosen.memory,
      firmware: chosen.firmware,
      secureBoot: chosen.secureBoot,
    };
  }
  return base;
}

/** Presets as in the original Nova: windows11 (UEFI, Secure Boot, TPM 2.0) and gpu-labs (a GPU passed through). */
export const PRESETS: Record<WizardPreset, { description: string; answers: Partial<WizardAnswers> }> = {
  windows11: {
    description: 'Windows 11: UEFI with Secure Boot, TPM 2.0, 4 vCPUs, 8Gi of memory, a 64Gi system disk',
    answers: {
      firmware: 'uefi',
      secureBoot: true,
      tpm: true,
      cpu: 4,
      memory: '8Gi',
      disks: [{ size: '64Gi' }],
      accelerator: 'auto',
    },
  },
  'gpu-labs': {
    description: 'GPU labs: UEFI, 8 vCPUs, 16Gi of memory, a 100Gi system disk and a GPU passed through',
    answers: { firmware: 'uefi', cpu: 8, memory: '16Gi', disks: [{ size: '100Gi' }], accelerator: 'kvm' },
  },
};

/** The answers with a preset's values laid over them (and the preset recorded). */
export function withPreset(answers: WizardAnswers, preset: WizardPreset): WizardAnswers {
  return { ...answers, ...PRESETS[preset].answers, preset };
}

/** The networks a NovaFile's text declares ([network.*]); none when it does not read. */
export function networksOfText(text: string): string[] {
  const read = readNovaFile(text);
  return read.ok ? Object.keys(read.model.network) : [];
}

/** Which steps apply to a source: cloud-init only to cloud images. */
export function stepsFor(source: WizardSourceKind): WizardStep[] {
  return WIZARD_STEPS.filter((step) => step !== 'cloud-init' || source === 'template' || source === 'disk');
}

/** A storage pool as a choice shows it: its folder, and whether choosing it creates or starts it. */
export function describePoolChoice(pool: StoragePoolChoice): string {
  const state = !pool.exists
    ? ' (will be created)'
    : pool.active
      ? ''
      : pool.madeByNova
        ? ' (stopped: will be started)'
        : ' (stopped)';
  return `${pool.name} — ${pool.path}${state}`;
}
