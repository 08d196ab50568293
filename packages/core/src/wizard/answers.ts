// The VM wizard's answers and what it knows of the host, as data. Pure zod: the contract,
// the CLI and the renderer share it. The rules an answer must follow are the NovaFile's own: the
// wizard turns answers into a [vm.<name>] section and reads the result with the NovaFile reader.
import { z } from 'zod';

/** The wizard's steps, in order. Each is one fieldset in the GUI and one group of questions in the CLI. */
export const WIZARD_STEPS = [
  'source',
  'name',
  'resources',
  'disks',
  'network',
  'firmware',
  'accelerator',
  'cloud-init',
] as const;
export const WizardStep = z.enum(WIZARD_STEPS);
export type WizardStep = z.infer<typeof WizardStep>;

export const WIZARD_STEP_TITLES: Record<WizardStep, string> = {
  source: 'Source',
  name: 'Name',
  resources: 'CPU and memory',
  disks: 'Disks',
  network: 'Network',
  firmware: 'Firmware',
  accelerator: 'Accelerator',
  'cloud-init': 'Cloud-init',
};

/** What the VM boots: a template's cloud image, an installer ISO, an existing disk image, the lab's tiny guest. */
export const WizardSourceKind = z.enum(['template', 'iso', 'disk', 'tiny']);
export type WizardSourceKind = z.infer<typeof WizardSourceKind>;

export const WizardPreset = z.enum(['windows11', 'gpu-labs']);
export type WizardPreset = z.infer<typeof WizardPreset>;

const Text = z.string().max(4096);

/** One disk: a size ("20Gi") and optionally a storage pool of the NovaFile. */
export const WizardDisk = z.strictObject({
  size: Text,
  pool: Text.optional(),
});
export type WizardDisk = z.infer<typeof WizardDisk>;

/**
 * Everything the wizard asks. Values are as typed (strings for sizes), so that a wrong one is reported
 * with the NovaFile's message, not refused by the transport.
 */
export const WizardAnswers = z.strictObject({
  name: Text,
  source: WizardSourceKind,
  /** source "template": the template's id. */
  template: Text.optional(),
  /** source "iso": the ISO file (one of the NovaFile's [iso] folders, or any path). */
  iso: Text.optional(),
  /** source "disk": an existing disk image to boot. */
  diskImage: Text.optional(),
  cpu: z.number().int().min(-1).max(100_000),
  memory: Text,
  /**
   * For an ISO the first disk is the system disk the installer writes to; for other sources every
   * disk is an extra, empty one.
   */
  disks: z.array(WizardDisk).max(16),
  /** A network of the NovaFile, a libvirt network or a host bridge; "" for none. */
  network: Text,
  firmware: z.enum(['bios', 'uefi']),
  secureBoot: z.boolean(),
  tpm: z.boolean(),
  accelerator: z.enum(['auto', 'kvm', 'tcg']),
  /** cloud-init (cloud images only): a user to create, and the public keys that may log in. */
  user: Text.optional(),
  sshKeys: z.array(Text).max(32),
  preset: WizardPreset.optional(),
  /** gpu-labs: the PCI address of the GPU to pass through. */
  gpu: Text.optional(),
  /** source "template": deploy even though some of its provenance checks failed (the person consented). */
  allowUnverified: z.boolean().optional(),
  /** source "template": the storage pool its image is copied into; absent for nova-disks. */
  pool: Text.optional(),
});
export type WizardAnswers = z.infer<typeof WizardAnswers>;

export const WizardTemplateChoice = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  cpu: z.number().int(),
  memory: z.string(),
  disk: z.string(),
  firmware: z.enum(['bios', 'uefi']),
  secureBoot: z.boolean(),
  cloudInit: z.boolean(),
  /** The image's format: the copy in the storage pool is <vm>.qcow2 or <vm>.img. */
  imageFormat: z.enum(['qcow2', 'raw']),
  /** Provenance checks that failed: deploying needs the person's consent. */
  failedChecks: z.array(z.string()),
});
export type WizardTemplateChoice = z.infer<typeof WizardTemplateChoice>;

/** A storage pool a disk image can be copied into, as the GUI offers it. */
export const StoragePoolChoice = z.strictObject({
  name: z.string(),
  /** Its folder. */
  path: z.string(),
  /** Nova's default pool (nova-disks), used when no pool is named. */
  isDefault: z.boolean(),
  /** False for the default pool before its first use: using it creates it. */
  exists: z.boolean(),
  active: z.boolean(),
  /** Nova made it, so Nova starts it when it is stopped; others must be started by hand. */
  madeByNova: z.boolean(),
});
export type StoragePoolChoice = z.infer<typeof StoragePoolChoice>;

/** What the wizard needs to know of the NovaFile and the host. */
export const WizardContext = z.strictObject({
  /** The NovaFile, as given (absolute in the GUI). */
  file: z.string(),
  /** The NovaFile's text now; "" when there is no file yet (the wizard creates it). */
  text: z.string(),
  exists: z.boolean(),
  /** libvirt networks and host bridges; undefined when they could not be read. */
  hostNetworks: z.array(z.string()).optional(),
  /** Names of the VMs libvirt has now. */
  hostVms: z.array(z.string()),
  /** *.iso files found in the NovaFile's [iso] paths. */
  isos: z.array(z.string()),
  /** Templates of kind "vm" from the template catalog. */
  templates: z.array(WizardTemplateChoice),
  /** Why templates cannot be offered, when they cannot. */
  templatesNote: z.string().optional(),
  /** The lab's tiny test guest (kernel and initrd), when it is installed here. */
  tinyGuest: z.strictObject({ kernel: z.string(), initrd: z.string() }).optional(),
  /** Whether KVM can run VMs here (accelerator "auto" picks TCG otherwise). */
  kvmUsable: z.boolean(),
  /** Storage pools a template's image can go to, the default first; undefined when they could not be read. */
  pools: z.array(StoragePoolChoice).optional(),
  warnings: z.array(z.string()),
});
export type WizardContext = z.infer<typeof WizardContext>;

/** A problem with an answer: which step and field, what is wrong, and how to fix it. */
export const WizardIssue = z.strictObject({
  step: WizardStep,
  /** The answer it is about (a key of WizardAnswers), when it is about one. */
  field: z.string().optional(),
  message: z.string(),
  hint: z.string().optional(),
});
export type WizardIssue = z.infer<typeof WizardIssue>;

export const DiffLine = z.strictObject({
  kind: z.enum(['context', 'added', 'removed']),
  text: z.string(),
  /** Line numbers in the old and the new text (1-based), where the line is in them. */
  oldLine: z.number().int().optional(),
  newLine: z.number().int().optional(),
});
export type DiffLine = z.infer<typeof DiffLine>;

export const DiffHunk = z.strictObject({
  oldStart: z.number().int(),
  oldLines: z.number().int(),
  newStart: z.number().int(),
  newLines: z.number().int(),
  lines: z.array(DiffLine),
});
export type DiffHunk = z.infer<typeof DiffHunk>;

export const WizardPreview = z.strictObject({
  /** Problems with the answers, in step order; empty when the section can be written. */
  issues: z.array(WizardIssue),
  /** The whole file after the change (the current text when the answers cannot be written yet). */
  text: z.string(),
  /** The [vm.<name>] section as it would be written. */
  section: z.string(),
  hunks: z.array(DiffHunk),
  /** The change as a unified diff (--- a/NovaFile, +++ b/NovaFile). */
  diff: z.string(),
});
export type WizardPreview = z.infer<typeof WizardPreview>;

/** The lab's tiny guest (scripts/lab.sh makes it): a kernel and a busybox initramfs that boot in seconds under TCG. */
export const TINY_GUEST_DIR = '/var/lib/nova-lab/guest';
