// Diagnostics and support bundles: `nova diag`, `nova support bundle` and the GUI's
// Diagnostics page. Spread into `channels` and `events` (contract/channels.ts).
import { z } from 'zod';

/** ok: works; warn: works but something needs attention; fail: broken; skipped: could not be checked. */
export const DiagStatus = z.enum(['ok', 'warn', 'fail', 'skipped']);
export type DiagStatus = z.infer<typeof DiagStatus>;

export const DiagCheckResult = z.strictObject({
  /** Stable id: kvm, libvirt, libvirt-dbus, helper, polkit, engine.docker, default-network, … */
  id: z.string().min(1),
  /** What is checked, in the user's words. */
  title: z.string(),
  status: DiagStatus,
  /** What was found. */
  detail: z.string(),
  /** What to do about it (absent when there is nothing to do). */
  fix: z.string().optional(),
  durationMs: z.number().nonnegative(),
});
export type DiagCheckResult = z.infer<typeof DiagCheckResult>;

export const DiagReport = z.strictObject({
  nova: z.string(),
  /** ISO 8601 time the checks started. */
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  checks: z.array(DiagCheckResult),
  summary: z.strictObject({
    ok: z.number().int(),
    warn: z.number().int(),
    fail: z.number().int(),
    skipped: z.number().int(),
  }),
});
export type DiagReport = z.infer<typeof DiagReport>;

/** none: nothing; standard: secrets; strict: secrets, and host names, user names, MAC and IP addresses. */
export const RedactionLevel = z.enum(['none', 'standard', 'strict']);
export type RedactionLevel = z.infer<typeof RedactionLevel>;

export const BundleRequest = z.strictObject({
  redact: RedactionLevel.default('standard'),
  logs: z.boolean().default(true),
  system: z.boolean().default(true),
  metrics: z.boolean().default(true),
});
export type BundleRequest = z.infer<typeof BundleRequest>;

/** One step of making a bundle, as it happens. */
export const BundleProgress = z.strictObject({
  /** The bundle this is about (the id support.bundle returns). */
  bundleId: z.string(),
  step: z.string(),
  /** 1-based. */
  index: z.number().int().positive(),
  total: z.number().int().positive(),
  status: z.enum(['started', 'done', 'skipped', 'failed']),
  message: z.string().optional(),
});
export type BundleProgress = z.infer<typeof BundleProgress>;

export const BundleResult = z.strictObject({
  bundleId: z.string(),
  /** Where the bundle was written on the machine that runs Nova's backend. */
  path: z.string(),
  fileName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  /** What was left out (unavailable sources), and why. */
  skipped: z.array(z.strictObject({ source: z.string(), reason: z.string() })),
  /** Kind → how many values were redacted. */
  redactions: z.record(z.string(), z.number().int()),
});
export type BundleResult = z.infer<typeof BundleResult>;

/** Bundles larger than this are not sent to a window; they stay on disk at their path. */
export const MAX_BUNDLE_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export const supportChannels = {
  'diag.run': {
    summary:
      'Runs every diagnostic check (KVM, libvirt, libvirt-dbus, helper, polkit, engines, networks, pools, bridges, disk space) and reports each with its status and fix',
    input: z.strictObject({}),
    output: DiagReport,
  },
  'support.bundle': {
    summary:
      'Writes a redacted support bundle (tar.gz) on the backend’s machine; progress comes as support.progress events',
    input: BundleRequest,
    output: BundleResult,
  },
  'support.download': {
    summary: 'The contents of a bundle this backend wrote (base64), to save it where the window runs',
    input: z.strictObject({ bundleId: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
    output: z.strictObject({ fileName: z.string(), base64: z.string() }),
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const supportEvents = {
  'support.progress': BundleProgress,
} as const satisfies Record<string, z.ZodType>;
