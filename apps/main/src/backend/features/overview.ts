// The backend side of the desktop app's overview (issue 5/7): handlers for the channels of
// packages/core/src/contract/features/overview.ts, and what it publishes while windows listen.
import type { BackendFeature, FeatureContext } from './feature.js';

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- filled in by the overview work
export function overviewFeature(_context: FeatureContext): BackendFeature<never> {
  return { handlers: {} };
}
