// Diagnostics and bundles wired to Nova's services: what the CLI and the backend both call.
import { engineCandidates, probeEngine } from '../containers/engines.js';
import type { DiagReport } from '../contract/features/support.js';
import { diagChecks } from '../diag/checks.js';
import { runDiagnostics } from '../diag/diag.js';
import { metricsSources } from '../metrics/sources.js';
import type { NovaServices } from '../node.js';
import { type BundleDeps, type BundleOptions, type BundleOutcome, createSupportBundle } from './bundle.js';

export interface NovaDiagOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** `nova diag` against this host, through Nova's services. */
export function diagnoseNova(
  services: Pick<NovaServices, 'helper'>,
  options: NovaDiagOptions = {},
): Promise<DiagReport> {
  const env = options.env ?? process.env;
  return runDiagnostics(
    diagChecks({
      helper: services.helper,
      probeEngines: () =>
        Promise.all(engineCandidates(env).map((endpoint) => probeEngine(endpoint, { withVersion: true }))),
      env,
    }),
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}

/** `nova support bundle` against this host, through Nova's services. */
export function bundleNovaSupport(
  services: Pick<NovaServices, 'helper' | 'version' | 'containers'>,
  options: BundleOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BundleOutcome> {
  const deps: BundleDeps = {
    helper: services.helper,
    version: () => services.version(),
    engines: () => services.containers.engines(),
    diagnose: () => diagnoseNova(services, { env }),
    metricsSources: metricsSources({ helper: services.helper, containers: services.containers }),
    env,
  };
  return createSupportBundle(deps, options);
}
