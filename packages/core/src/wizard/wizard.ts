// The VM wizard's model: defaults and presets, answers → the [vm.<name>] section as NovaFile
// edits, and a preview that checks the answers with the NovaFile's own reader (schema and semantics)
// and shows the change as a diff. Pure: what it needs of the host comes in a WizardContext.
import { applyEdits, type NovaFileEdit } from '../novafile/edit.js';
import { dottedPath, formatNovaFileError, type NovaFileError, readNovaFile } from '../novafile/read.js';
import { DEFAULT_DISK_DIRECTORY } from '../novafile/resolve.js';
import { NAME_PATTERN, NAME_RULE, type NovaFileModel } from '../novafile/schema.js';
import {
  TINY_GUEST_DIR,
  WIZARD_STEPS,
  type WizardAnswers,
  type WizardContext,
  type WizardIssue,
  type WizardPreview,
  type WizardSourceKind,
  type WizardStep,
} from './answers.js';
import { unifiedDiff } from './line-diff.js';

/** A cloud-init user name, as Debian's adduser takes it. */
const USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Which step a key of [vm.<name>] belongs to, and which answer it comes from. */
const KEY_STEPS: Record<string, { step: WizardStep; field?: string }> = {
  image: { step: 'source' },
  cdrom: { step: 'source', field: 'iso' },
  boot: { step: 'source' },
  cpu: { step: 'resources', field: 'cpu' },
  memory: { step: 'resources', field: 'memory' },
  storage: { step: 'disks', field: 'disks' },
  disk: { step: 'disks', field: 'disks' },
  network: { step: 'network', field: 'network' },
  nic: { step: 'network', field: 'network' },
  firmware: { step: 'firmware', field: 'firmware' },
  tpm: { step: 'firmware', field: 'tpm' },
  compliance_profile: { step: 'firmware', field: 'preset' },
  gpu: { step: 'firmware', field: 'gpu' },
  gpu_passthrough: { step: 'firmware', field: 'gpu' },
  accelerator: { step: 'accelerator', field: 'accelerator' },
  cloud_init: { step: 'cloud-init', field: 'sshKeys' },
};

const SOURCE_FIELD: Record<WizardSourceKind, string> = {
  template: 'template',
  iso: 'iso',
  disk: 'diskImage',
  tiny: 'source',
};

function issueFromError(error: NovaFileError, prefix: string, answers: WizardAnswers): WizardIssue {
  const rest = error.path.slice(prefix.length).replace(/^\./, '');
  const key = /^[A-Za-z_]+/.exec(rest)?.[0] ?? '';
  const place = KEY_STEPS[key] ?? { step: 'name' as const, field: 'name' };
  const field =
    place.step === 'source'
      ? (place.field ?? SOURCE_FIELD[answers.source])
      : key === 'firmware' && rest.includes('secure_boot')
        ? 'secureBoot'
        : place.field;
  // The reader may start a message with the key it is about ("cpu: …"): the step already says so.
  const lead = /^([\w.[\]"-]+): /.exec(error.message);
  const message =
    lead?.[1] !== undefined && error.path.endsWith(lead[1])
      ? error.message.slice(lead[0].length)
      : error.message;
  return {
    step: place.step,
    ...(field === undefined ? {} : { field }),
    message,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  };
}

export interface PreviewOptions {
  /** Whether a file the answers name exists (paths as written; relative to the NovaFile's folder). */
  exists?: (path: string) => boolean;
}

/** A pool's folder, for a system disk placed in it. */
function poolDirectory(model: NovaFileModel | undefined, pool: string): string | undefined {
  return model?.storage[pool]?.directory;
}

/** The folder of the host's pool a template's image is copied into; undefined when it is not known. */
function templatePoolFolder(
  context: Pick<WizardContext, 'pools'>,
  pool: string | undefined,
): string | undefined {
  if (pool === undefined || pool === '')
    return context.pools?.find((choice) => choice.isDefault)?.path ?? DEFAULT_DISK_DIRECTORY;
  return context.pools?.find((choice) => choice.name === pool)?.path;
}

/**
 * The [vm.<name>] table the answers make, keys first and sub-tables after, as the original Nova wrote
 * them. Values are as typed: the NovaFile reader judges them.
 */
export function sectionEntries(
  answers: WizardAnswers,
  context: Pick<WizardContext, 'templates' | 'tinyGuest' | 'pools'>,
  model?: NovaFileModel,
): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  if (answers.source === 'template') {
    // Where writing copies the verified download: the chosen pool (nova-disks), as <vm>.qcow2 (or .img).
    const chosen = context.templates.find((t) => t.id === answers.template);
    const folder = templatePoolFolder(context, answers.pool);
    if (chosen !== undefined && folder !== undefined)
      entries['image'] = `${folder}/${answers.name}.${chosen.imageFormat === 'raw' ? 'img' : 'qcow2'}`;
  } else if (answers.source === 'disk' && answers.diskImage !== undefined) {
    entries['image'] = answers.diskImage;
  } else if (answers.source === 'iso' && answers.iso !== undefined) {
    entries['cdrom'] = answers.iso;
  }
  entries['cpu'] = answers.cpu;
  entries['memory'] = answers.memory;
  entries['accelerator'] = answers.accelerator;
  if (answers.network !== '') entries['network'] = answers.network;
  if (answers.preset === 'windows11') entries['compliance_profile'] = 'windows11';
  if (answers.gpu !== undefined && answers.gpu !== '') entries['gpu_passthrough'] = true;

  if (answers.source === 'tiny') {
    const guest = context.tinyGuest ?? {
      kernel: `${TINY_GUEST_DIR}/vmlinuz`,
      initrd: `${TINY_GUEST_DIR}/initrd.img`,
    };
    entries['boot'] = { kernel: guest.kernel, initrd: guest.initrd, cmdline: 'console=ttyS0' };
  }
  // An installer needs an empty system disk: the first disk is it; the others are extra disks.
  const [first, ...rest] = answers.disks;
  const extra = answers.source === 'iso' ? rest : answers.disks;
  if (answers.source === 'iso' && first !== undefined) {
    const directory = first.pool === undefined ? undefined : poolDirectory(model, first.pool);
    entries['storage'] = { size: first.size, ...(directory === undefined ? {} : { directory }) };
  }
  if (extra.length > 0) {
    entries['disk'] = extra.map((disk, index) => ({
      name: `disk${index + 1}`,
      size: disk.size,
      ...(disk.pool === undefined || disk.pool === '' ? {} : { pool: disk.pool }),
    }));
  }
  if (answers.firmware === 'uefi' || answers.secureBoot) {
    entries['firmware'] = {
      boot_type: answers.firmware === 'uefi' ? 'uefi' : 'legacy',
      ...(answers.secureBoot ? { secure_boot: true } : {}),
    };
  }
  if (answers.tpm) entries['tpm'] = { enabled: true, version: 'v2-0' };
  if (answers.gpu !== undefined && answers.gpu !== '') {
    entries['gpu'] = {
      device_address: answers.gpu,
      mode: 'Full',
      multifunction: true,
      x_vga: false,
      display: 'VirtioGpu',
    };
  }
  if ((answers.user !== undefined && answers.user !== '') || answers.sshKeys.length > 0) {
    entries['cloud_init'] = {
      ...(answers.user === undefined || answers.user === ''
        ? {}
        : { user_data: cloudConfigFor(answers.user, answers.sshKeys) }),
      ssh_authorized_keys: answers.sshKeys,
    };
  }
  return entries;
}

/** cloud-config that creates the user with sudo and the keys. */
export function cloudConfigFor(user: string, keys: readonly string[]): string {
  return [
    '#cloud-config',
    'users:',
    '  - default',
    `  - name: ${user}`,
    '    shell: /bin/bash',
    "    sudo: 'ALL=(ALL) NOPASSWD:ALL'",
    ...(keys.length === 0
      ? []
      : ['    ssh_authorized_keys:', ...keys.map((key) => `      - ${JSON.stringify(key)}`)]),
    '',
  ].join('\n');
}

/** The edits that add the VM: one table, written atomically by updateNovaFile. */
export function wizardEdits(
  answers: WizardAnswers,
  context: Pick<WizardContext, 'templates' | 'tinyGuest' | 'pools'>,
  model?: NovaFileModel,
): NovaFileEdit[] {
  return [{ op: 'setTable', path: ['vm', answers.name], entries: sectionEntries(answers, context, model) }];
}

function checksOfTheWizard(
  answers: WizardAnswers,
  context: WizardContext,
  model: NovaFileModel | undefined,
  options: PreviewOptions,
): WizardIssue[] {
  const issues: WizardIssue[] = [];
  const add = (step: WizardStep, field: string, message: string, hint?: string) => {
    issues.push({ step, field, message, ...(hint === undefined ? {} : { hint }) });
  };
  const missing = (path: string) => options.exists !== undefined && !options.exists(path);
  const file = context.file;

  // Source
  if (answers.source === 'template') {
    const chosen = context.templates.find((candidate) => candidate.id === answers.template);
    if (answers.template === undefined || answers.template === '') {
      add(
        'source',
        'template',
        'choose a template',
        context.templatesNote ??
          (context.templates.length === 0 ? 'no VM templates are available' : undefined),
      );
    } else if (chosen === undefined) {
      add(
        'source',
        'template',
        `there is no VM template "${answers.template}"`,
        context.templates.length === 0
          ? (context.templatesNote ?? 'no VM templates are available')
          : `choose one of: ${context.templates.map((t) => t.id).join(', ')}`,
      );
    } else if (chosen.failedChecks.length > 0 && answers.allowUnverified !== true) {
      add(
        'source',
        'template',
        `template "${chosen.id}" failed its ${chosen.failedChecks.join(' and ')} ${chosen.failedChecks.length === 1 ? 'check' : 'checks'}`,
        'deploy it only if you accept that (--allow-unverified, or the consent box of the gallery)',
      );
    }
  } else if (answers.source === 'iso') {
    if (answers.iso === undefined || answers.iso === '') {
      add(
        'source',
        'iso',
        'choose an ISO image',
        context.isos.length === 0
          ? 'no *.iso files are in the NovaFile’s [iso] paths; give a path to one'
          : undefined,
      );
    } else if (!answers.iso.toLowerCase().endsWith('.iso')) {
      add('source', 'iso', `${answers.iso} is not an ISO image (*.iso)`, 'give the path of an .iso file');
    } else if (missing(answers.iso)) {
      add(
        'source',
        'iso',
        `there is no file ${answers.iso}`,
        'check the path (relative paths start at the NovaFile’s folder)',
      );
    }
  } else if (answers.source === 'disk') {
    if (answers.diskImage === undefined || answers.diskImage === '') {
      add('source', 'diskImage', 'give the path of the disk image to boot');
    } else if (missing(answers.diskImage)) {
      add(
        'source',
        'diskImage',
        `there is no file ${answers.diskImage}`,
        'check the path (relative paths start at the NovaFile’s folder)',
      );
    }
  } else if (context.tinyGuest === undefined) {
    add(
      'source',
      'source',
      `the tiny test guest is not installed here (${TINY_GUEST_DIR})`,
      'install the lab (bash scripts/lab.sh install), or choose another source',
    );
  }

  // Name: the NovaFile's pattern, and free in the file and on the host.
  const name = answers.name;
  if (name === '') add('name', 'name', 'give the VM a name');
  else if (!NAME_PATTERN.test(name))
    add('name', 'name', `"${name}" is not a valid name`, `a VM name is ${NAME_RULE}`);
  else if (model !== undefined && name in model.vm)
    add('name', 'name', `${file} already has a VM named "${name}"`, 'choose another name');
  else if (model !== undefined && name in model.container)
    add(
      'name',
      'name',
      `${file} already has a container named "${name}"`,
      'give every instance its own name',
    );
  else if (context.hostVms.includes(name))
    add('name', 'name', `a VM named "${name}" already exists on this host`, 'choose another name');

  // Disks: a template's image goes to a pool of the host (the default one is made on first use).
  const pool = answers.pool;
  if (pool !== undefined && pool !== '') {
    const choice = context.pools?.find((candidate) => candidate.name === pool);
    if (answers.source !== 'template')
      add(
        'disks',
        'pool',
        'a storage pool is chosen for a template’s image only',
        'give other disks their pool with the disk (SIZE,POOL)',
      );
    else if (!NAME_PATTERN.test(pool))
      add('disks', 'pool', `"${pool}" is not a valid storage pool name`, `a pool name is ${NAME_RULE}`);
    else if (context.pools !== undefined && choice === undefined)
      add(
        'disks',
        'pool',
        `there is no storage pool named "${pool}" on this host`,
        `choose one of: ${context.pools
          .map((candidate) => `${candidate.name}${candidate.exists ? '' : ' (made on first use)'}`)
          .join(', ')}`,
      );
    else if (choice !== undefined && choice.exists && !choice.active && !choice.madeByNova)
      add(
        'disks',
        'pool',
        `storage pool "${pool}" is not running, and Nova starts only the pools it made`,
        `start it (virsh -c qemu:///system pool-start ${pool}), or choose another pool`,
      );
  }

  // Disks: a system disk in a pool needs the pool's folder.
  if (answers.source === 'iso') {
    const systemPool = answers.disks[0]?.pool;
    if (systemPool !== undefined && systemPool !== '' && poolDirectory(model, systemPool) === undefined) {
      add(
        'disks',
        'disks',
        `storage pool "${systemPool}" is not declared in ${file}`,
        `declare it as [storage.${systemPool}], or leave the pool out`,
      );
    }
  }

  // Firmware: gpu-labs passes a GPU through, which needs its address.
  if (answers.preset === 'gpu-labs' && (answers.gpu === undefined || answers.gpu === ''))
    add(
      'firmware',
      'gpu',
      'the gpu-labs preset passes a GPU through: give its PCI address',
      'such as 0000:01:00.0 (see lspci -D)',
    );
  if (answers.accelerator === 'kvm' && !context.kvmUsable)
    add('accelerator', 'accelerator', 'KVM cannot run VMs on this host', 'choose auto or tcg');

  // Cloud-init: only cloud images run it.
  const wantsCloudInit = (answers.user !== undefined && answers.user !== '') || answers.sshKeys.length > 0;
  if (wantsCloudInit && (answers.source === 'tiny' || answers.source === 'iso'))
    add(
      'cloud-init',
      'user',
      `cloud-init is for cloud images (a template or a disk image); ${answers.source === 'iso' ? 'an installer' : 'the tiny guest'} does not run it`,
      'leave the user and SSH key empty',
    );
  else if (answers.user !== undefined && answers.user !== '' && !USER_PATTERN.test(answers.user))
    add(
      'cloud-init',
      'user',
      `"${answers.user}" is not a valid user name`,
      'lower-case letters, digits, "_" and "-" (at most 32), starting with a letter or "_"',
    );
  return issues;
}

function stepOrder(issue: WizardIssue): number {
  return WIZARD_STEPS.indexOf(issue.step);
}

/**
 * Checks the answers and shows what they change: the NovaFile's text after the edit and a unified diff.
 * The checks are the NovaFile reader's (schema and semantics, with the host's networks when known)
 * on the edited file, plus what only the wizard knows (the name is free on the host, files exist).
 */
export function previewWizard(
  context: WizardContext,
  answers: WizardAnswers,
  options: PreviewOptions = {},
): WizardPreview {
  const unchanged = (issues: WizardIssue[]): WizardPreview => ({
    issues: issues.sort((a, b) => stepOrder(a) - stepOrder(b)),
    text: context.text,
    section: '',
    hunks: [],
    diff: '',
  });
  const host = context.hostNetworks === undefined ? {} : { host: { networks: context.hostNetworks } };
  const current = readNovaFile(context.text, { file: context.file, ...host });
  if (!current.ok) {
    const shown = current.errors.slice(0, 3).map(formatNovaFileError).join('\n');
    return unchanged([
      {
        step: 'source',
        message: `${context.file} has errors; fix them before the wizard adds to it:\n${shown}`,
        hint: `nova -c ${context.file} validate lists them all`,
      },
    ]);
  }
  const model = current.model;
  const issues = checksOfTheWizard(answers, context, model, options);
  if (issues.some((issue) => issue.step === 'name')) return unchanged(issues);

  const edits = wizardEdits(answers, context, model);
  let text: string;
  let section: string;
  try {
    text = applyEdits(context.text, edits);
    section = applyEdits('', edits);
  } catch (err) {
    issues.push({ step: 'name', field: 'name', message: err instanceof Error ? err.message : String(err) });
    return unchanged(issues);
  }
  const read = readNovaFile(text, { file: context.file, ...host });
  if (!read.ok) {
    const prefix = dottedPath(['vm', answers.name]);
    for (const error of read.errors) {
      const ours =
        error.path === prefix || error.path.startsWith(`${prefix}.`) || error.path.startsWith(`${prefix}[`);
      const issue = ours
        ? issueFromError(error, prefix, answers)
        : { step: 'name' as const, message: formatNovaFileError(error) };
      if (!issues.some((known) => known.message === issue.message)) issues.push(issue);
    }
  }
  const { hunks, diff } = unifiedDiff(context.text, text);
  return { issues: issues.sort((a, b) => stepOrder(a) - stepOrder(b)), text, section, hunks, diff };
}

/** The issues of one step. */
export function issuesOf(preview: Pick<WizardPreview, 'issues'>, step: WizardStep): WizardIssue[] {
  return preview.issues.filter((issue) => issue.step === step);
}

/** An issue as one line for a terminal: "memory: … (hint: …)". */
export function formatWizardIssue(issue: WizardIssue): string {
  return `${issue.field ?? issue.step}: ${issue.message}${issue.hint === undefined ? '' : ` (${issue.hint})`}`;
}
