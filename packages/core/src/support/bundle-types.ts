// What `nova support bundle` is given (options, the services it reads) and what it gives back (where the
// bundle is, and the manifest inside it that lists each file, why it is there and what was redacted).
import type { DiscoveredEngines } from '../containers/engine-discovery.js';
import type { BundleProgress, DiagReport, RedactionLevel } from '../contract/features/support.js';
import type { HelperCall } from '../contract/helper/index.js';
import type { MetricsSources } from '../metrics/sampler.js';
import type { VersionReport } from '../model/host.js';

export const BUNDLE_FORMAT = 'nova-support-bundle/1';

export interface BundleOptions {
  /** The file to write; default nova-support-<time>.tar.gz in `directory`. */
  output?: string;
  /** Where the default file name goes (default: the working folder). */
  directory?: string;
  redact: RedactionLevel;
  logs: boolean;
  system: boolean;
  metrics: boolean;
  /** NovaFiles to include (the one given with -c, ./NovaFile); missing ones are skipped silently. */
  novaFiles: string[];
  /** Seconds of metrics to sample (default 3). */
  metricsSeconds?: number;
  onProgress?: (progress: Omit<BundleProgress, 'bundleId'>) => void;
  now?: () => Date;
}

export interface BundleDeps {
  helper: HelperCall;
  version: () => Promise<VersionReport>;
  engines: () => Promise<DiscoveredEngines>;
  diagnose: () => Promise<DiagReport>;
  /** Where the sampler gets its figures; absent: no metrics. */
  metricsSources?: MetricsSources;
  env?: NodeJS.ProcessEnv;
}

export interface ManifestFile {
  path: string;
  why: string;
  sizeBytes: number;
  /** What was redacted in this file, by kind. */
  redacted?: Record<string, number>;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  nova: string;
  createdAt: string;
  options: { redact: RedactionLevel; logs: boolean; system: boolean; metrics: boolean };
  host: { platform: string; arch: string; kernel: string; node: string };
  files: ManifestFile[];
  skipped: { source: string; reason: string }[];
  redactions: Record<string, number>;
  notes: string[];
}

export interface BundleOutcome {
  path: string;
  sizeBytes: number;
  manifest: BundleManifest;
}
