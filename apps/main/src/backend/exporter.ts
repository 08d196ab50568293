// The Prometheus exporter of `nova metrics serve`, inside the running app (desktop or browser mode)
// when NOVA_EXPORTER_CONFIG names an exporter config file. It shares the windows' metrics sampler, so
// one sampling feeds both: the exporter keeps the sampler running, the windows read the same steps.
import {
  MetricsSampler,
  NovaExporter,
  readExporterConfigSync,
  type RunningExporterServer,
  serveExporter,
} from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './features/feature.js';
import type { MetricsFeatureOptions } from './features/metrics.js';

const EXPORTER_CONFIG_ENV = 'NOVA_EXPORTER_CONFIG';
/** Set to 1 for what `--allow-insecure-listen` does on the command line. */
const EXPORTER_INSECURE_ENV = 'NOVA_EXPORTER_ALLOW_INSECURE_LISTEN';

export interface BackendExporter extends Omit<BackendFeature<never>, 'handlers'> {
  /** What the metrics feature needs to share the exporter's sampler (empty without an exporter). */
  metricsOptions: MetricsFeatureOptions;
  exporter?: NovaExporter;
  /** Resolves once it listens (undefined when it is off or could not start). */
  ready: Promise<RunningExporterServer | undefined>;
}

export interface BackendExporterOptions {
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

export function backendExporter(
  context: FeatureContext,
  options: BackendExporterOptions = {},
): BackendExporter {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const file = env[EXPORTER_CONFIG_ENV];
  if (file === undefined || file === '') return { metricsOptions: {}, ready: Promise.resolve(undefined) };
  let exporter: NovaExporter;
  try {
    const { services } = context;
    exporter = new NovaExporter(
      {
        instances: services.instances,
        helper: services.helper,
        containers: services.containers,
        novaFile: services.novaFile,
        watchInstances: (listener) => services.watchInstances(listener),
      },
      readExporterConfigSync(file),
      // The windows' tiers (1 s steps); the exporter lists instances on its own interval.
      { makeSampler: (sources) => new MetricsSampler(sources) },
    );
  } catch (err) {
    warn(`nova: the exporter is off: ${err instanceof Error ? err.message : String(err)}`);
    return { metricsOptions: {}, ready: Promise.resolve(undefined) };
  }
  let closed = false;
  exporter.start();
  const ready = serveExporter(exporter, {
    allowInsecureListen: env[EXPORTER_INSECURE_ENV] === '1',
    warn,
  }).then(
    (server) => {
      if (closed) {
        void server.close();
        return undefined;
      }
      warn(`nova: serving Prometheus metrics at ${server.url}/metrics`);
      return server;
    },
    (err: unknown) => {
      warn(`nova: the exporter could not start: ${err instanceof Error ? err.message : String(err)}`);
      exporter.close();
      return undefined;
    },
  );
  return {
    metricsOptions: { sampler: exporter.sampler },
    exporter,
    ready,
    close: () => {
      closed = true;
      exporter.close();
      void ready.then((server) => server?.close());
    },
  };
}
