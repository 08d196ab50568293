// The backend side of the desktop app's metrics (issue 5/7): handlers for the channels of
// packages/core/src/contract/features/metrics.ts, and what it publishes while windows listen.
import type { BackendFeature, FeatureContext } from './feature.js';

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- filled in by the metrics work
export function metricsFeature(_context: FeatureContext): BackendFeature<never> {
  return { handlers: {} };
}
