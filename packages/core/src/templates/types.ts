// Templates: what a template registry's index.json holds, and what Nova says about each
// template after checking it (its provenance). Pure zod, no Node: the renderer and the contract use it.
import { z } from 'zod';

import { Container, NAME_PATTERN, NAME_RULE, Network, Size } from '../novafile/schema.js';

/** The version of the index format this Nova reads. */
export const TEMPLATE_INDEX_VERSION = 1;

/** A template id: lower-case letters, digits, ".", "_" and "-", such as "debian-12-genericcloud". */
export const TEMPLATE_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,79}$/;
export const TemplateId = z
  .string()
  .regex(
    TEMPLATE_ID_PATTERN,
    'a template id is lower-case letters, digits, ".", "_" and "-" (at most 80), starting with a letter or digit',
  );

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 checksum is 64 lower-case hexadecimal digits');

/** A URL Nova may fetch: https, http (only honoured as a local source on a loopback address) or file. */
const SourceUrl = z
  .string()
  .min(1)
  .refine((value) => {
    try {
      return ['https:', 'http:', 'file:'].includes(new URL(value).protocol);
    } catch {
      // A path relative to the registry (a directory registry's files, or next to an HTTP index).
      return !/[\0\n\r]/.test(value) && !value.includes('://');
    }
  }, 'a source is an https://, http:// or file:// URL, or a path relative to the registry');

export const TemplateKind = z.enum(['vm', 'container-stack']);
export type TemplateKind = z.infer<typeof TemplateKind>;

export const TemplateArch = z.enum(['x86_64', 'aarch64', 'any']);

export const TemplatePublisher = z.strictObject({
  /** Stable id, such as "debian"; for SSH signatures also the signer identity (principal). */
  id: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$/, 'a publisher id is letters, digits, ".", "_", "@" and "-"'),
  name: z.string().min(1),
  /**
   * Which trusted key must have signed the template: "minisign:<KEY ID in hex>" (as minisign prints
   * it, up to 16 hex digits) or "ssh:<publisher id>" (a line of allowed_signers for that identity).
   * Absent when the publisher signs nothing Nova can verify.
   */
  key: z
    .string()
    .regex(
      /^(minisign:[0-9A-Fa-f]{1,16}|ssh:[A-Za-z0-9][A-Za-z0-9._@-]{0,79})$/,
      'a publisher key is "minisign:<key id, up to 16 hex digits>" or "ssh:<identity>"',
    )
    .optional(),
  url: z.url().optional(),
});
export type TemplatePublisher = z.infer<typeof TemplatePublisher>;

/** A detached signature of the image file: minisign (.minisig) or SSH (ssh-keygen -Y sign, .sig). */
export const TemplateSignature = z
  .strictObject({
    type: z.enum(['minisign', 'ssh']),
    /** Where the signature file is (absolute, or relative to the registry). */
    url: SourceUrl.optional(),
    /** The signature file's text. */
    inline: z.string().min(1).max(16_384).optional(),
    /** SSH signatures: the namespace signed with (-n); Nova's default is "nova-template". */
    namespace: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'not a namespace')
      .optional(),
  })
  .refine((value) => (value.url === undefined) !== (value.inline === undefined), {
    message: 'a signature has exactly one of "url" and "inline"',
  });
export type TemplateSignature = z.infer<typeof TemplateSignature>;

/** The image a VM template boots: a disk image file, checked by sha256. */
export const TemplateImage = z
  .strictObject({
    url: SourceUrl,
    format: z.enum(['qcow2', 'raw']),
    /** Expected size in bytes, when known (used for progress). */
    size: z.number().int().positive().optional(),
    /** The sha256 of the file. */
    sha256: Sha256.optional(),
    /**
     * Where the publisher lists the sha256 (a SHA256SUMS file, "<hex>  <file name>" lines): Nova reads
     * it at deploy time instead of carrying a checksum it could not verify.
     */
    sha256sums_url: SourceUrl.optional(),
    /** As sha256sums_url, for publishers that list only SHA-512 sums (Debian, Alpine). */
    sha512sums_url: SourceUrl.optional(),
  })
  .refine(
    (value) =>
      value.sha256 !== undefined || value.sha256sums_url !== undefined || value.sha512sums_url !== undefined,
    { message: 'an image needs "sha256", "sha256sums_url" or "sha512sums_url"' },
  );
export type TemplateImage = z.infer<typeof TemplateImage>;

export const TemplateResources = z.strictObject({
  cpu: z.number().int().min(1).max(512),
  /** Bytes (written in the index as "2Gi", "512Mi"…, or a number of bytes). */
  memory: Size,
  disk: Size,
});
export type TemplateResources = z.infer<typeof TemplateResources>;

export const VmDefaults = z.strictObject({
  cpu: z.number().int().min(1).max(512),
  memory: Size,
  disk_size: Size,
  firmware: z.enum(['bios', 'uefi']).default('bios'),
  secure_boot: z.boolean().default(false),
  /** The image runs cloud-init (NoCloud): Nova can seed a host name, user data and SSH keys. */
  cloud_init: z.boolean().default(false),
  /** cloud-config user data the template brings (a desktop preset installs its desktop with it). */
  cloud_init_user_data: z.string().max(65_536).optional(),
});
export type VmDefaults = z.infer<typeof VmDefaults>;

const NovaFileName = z.string().regex(NAME_PATTERN, `a name is ${NAME_RULE}`);

/** Checks a value against a NovaFile schema but keeps it as written (it goes back into a NovaFile). */
const asWritten = (schema: z.ZodType, what: string) =>
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const result = schema.safeParse(value);
    if (result.success) return;
    for (const issue of result.error.issues) {
      ctx.addIssue({
        code: 'custom',
        message: `${issue.message} (as in a NovaFile's ${what})`,
        path: issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
      });
    }
  });

const TemplateCommon = {
  id: TemplateId,
  name: z.string().min(1).max(120),
  version: z.string().min(1).max(64),
  os: z.string().min(1).max(64),
  os_version: z.string().max(64).default(''),
  arch: TemplateArch.default('x86_64'),
  description: z.string().max(4_000).default(''),
  tags: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'a tag is lower-case letters, digits, ".", "_" and "-"'),
    )
    .max(32)
    .default([]),
  publisher: TemplatePublisher,
  signature: TemplateSignature.optional(),
  minimum: TemplateResources,
};

export const VmTemplate = z.strictObject({
  ...TemplateCommon,
  kind: z.literal('vm'),
  image: TemplateImage,
  defaults: VmDefaults,
});
export type VmTemplate = z.infer<typeof VmTemplate>;

export const ContainerStackTemplate = z.strictObject({
  ...TemplateCommon,
  kind: z.literal('container-stack'),
  /** NovaFile [container.<name>] tables, by name (names get the deployment's name as a prefix). */
  containers: z
    .record(NovaFileName, asWritten(Container, '[container.<name>]'))
    .refine((value) => Object.keys(value).length > 0, 'a container stack needs at least one container'),
  /** NovaFile [network.<name>] tables, by name. */
  networks: z.record(NovaFileName, asWritten(Network, '[network.<name>]')).default({}),
  /** Named volumes the containers mount ("<volume>:/path" in their volumes). */
  volumes: z.array(NovaFileName).default([]),
});
export type ContainerStackTemplate = z.infer<typeof ContainerStackTemplate>;

export const Template = z.discriminatedUnion('kind', [VmTemplate, ContainerStackTemplate]);
export type Template = z.infer<typeof Template>;

/** A registry's index.json. */
export const TemplateIndex = z.strictObject({
  /** The index format's version: 1. */
  version: z.literal(TEMPLATE_INDEX_VERSION, {
    message: `this Nova reads index version ${String(TEMPLATE_INDEX_VERSION)}`,
  }),
  /** A name for the registry, shown next to its templates. */
  name: z.string().min(1).max(120).optional(),
  templates: z.array(Template),
});
export type TemplateIndex = z.infer<typeof TemplateIndex>;

// ── What Nova says about a template ─────────────────────────────────────────────────────────────

export const RegistryKind = z.enum(['builtin', 'directory', 'http']);
export type RegistryKind = z.infer<typeof RegistryKind>;

export const RegistryInfo = z.strictObject({
  /** "builtin", or the directory / URL as configured. */
  location: z.string(),
  kind: RegistryKind,
  name: z.string(),
});
export type RegistryInfo = z.infer<typeof RegistryInfo>;

export const PROVENANCE_CHECKS = ['checksum', 'signature', 'publisher', 'source'] as const;
export const ProvenanceCheckName = z.enum(PROVENANCE_CHECKS);
export type ProvenanceCheckName = z.infer<typeof ProvenanceCheckName>;

/**
 * passed: the check was made and succeeded; failed: made and failed (or cannot be made, such as an
 * unsigned template); pending: made at deploy time, on the downloaded file; not-applicable: nothing to
 * check (a container stack downloads no image).
 */
export const CheckStatus = z.enum(['passed', 'failed', 'pending', 'not-applicable']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const ProvenanceCheck = z.strictObject({
  status: CheckStatus,
  /** Why, in words: what was checked against what, or what failed. */
  detail: z.string(),
});
export type ProvenanceCheck = z.infer<typeof ProvenanceCheck>;

export const Provenance = z.strictObject({
  checksum: ProvenanceCheck,
  signature: ProvenanceCheck,
  publisher: ProvenanceCheck,
  source: ProvenanceCheck,
});
export type Provenance = z.infer<typeof Provenance>;

export const CatalogEntry = z.strictObject({
  template: Template,
  registry: RegistryInfo,
  provenance: Provenance,
  /** Checks that failed: deploying needs explicit consent naming them. */
  failedChecks: z.array(ProvenanceCheckName),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

/** The checks of a provenance that failed, in a fixed order. */
export function failedChecks(provenance: Provenance): ProvenanceCheckName[] {
  return PROVENANCE_CHECKS.filter((check) => provenance[check].status === 'failed');
}
