// The backend side of the desktop app's overview: handlers for the channels of
// packages/core/src/contract/features/overview.ts, and what it publishes while windows listen.
import type { overviewChannels } from '@nova/core';
import {
  DEFAULT_NOVAFILE,
  instanceDetails,
  instanceFacts,
  parseInstanceId,
  runInstanceAction,
} from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './feature.js';
import { createLogFollows } from './overview-logs.js';

export type OverviewChannel = keyof typeof overviewChannels;

export interface OverviewOptions {
  /** Where the NovaFile whose sections the detail pane shows is: ./NovaFile of the backend's cwd. */
  novaFilePath?: string;
}

export function overviewFeature(
  context: FeatureContext,
  options: OverviewOptions = {},
): BackendFeature<OverviewChannel> {
  const { services } = context;
  const deps = { helper: services.helper, containers: services.containers };
  const follows = createLogFollows(services.containers, (lines) => {
    context.publish('instances.logs.lines', lines);
  });
  return {
    handlers: {
      'instances.action': (request) => runInstanceAction(deps, request),
      'instances.facts': async ({ ids }) => ({ facts: await instanceFacts(deps, ids) }),
      'instances.details': ({ id }) => instanceDetails(deps, id, options.novaFilePath ?? DEFAULT_NOVAFILE),
      'instances.logs': async ({ id, tail, timestamps }) => {
        const parsed = parseInstanceId(id);
        if (parsed.kind !== 'container') return { entries: [] };
        const engine = await services.containers.engine(parsed.engine);
        const entries = await engine.containerLogs(parsed.containerId, {
          tail,
          ...(timestamps === undefined ? {} : { timestamps }),
        });
        return { entries: entries.slice(-tail) };
      },
      'instances.logs.follow': async ({ id, followId, timestamps }) => {
        await follows.follow(id, followId, timestamps === true);
        return { followId };
      },
      'instances.logs.unfollow': ({ followId }) => Promise.resolve({ stopped: follows.unfollow(followId) }),
    },
    // Nobody would see the lines: every follow ends with the last window.
    onNoListener: () => {
      follows.stopAll();
    },
    close: () => {
      follows.stopAll();
    },
  };
}
