// The backend side of the desktop app's metrics: handlers for the channels of
// packages/core/src/contract/features/metrics.ts, and the deltas it publishes while windows watch.
// The sampler runs only while some subscription holds it; leases end the subscriptions of windows
// that went away without saying so (the event stream goes to every window, so it cannot tell).
import type { MetricsSamplerOptions } from '@nova/core/node';
import { MetricsSampler, metricsSources } from '@nova/core/node';

import type { BackendFeature, FeatureContext } from './feature.js';
import { MetricsSubscriptions } from './metrics-subscriptions.js';

export type MetricsChannelName = 'metrics.watch' | 'metrics.renew' | 'metrics.unwatch';

export interface MetricsFeatureOptions {
  /** The sampler to use (tests, an exporter sharing it); one on the real host otherwise. */
  sampler?: MetricsSampler;
  samplerOptions?: MetricsSamplerOptions;
  leaseMs?: number;
  maxSubscriptions?: number;
  now?: () => number;
}

const METRICS_LEASE_MS = 15_000;

/** `run`'s value as a promise, or its exception as a rejection. */
const settle = <T>(run: () => T): Promise<T> =>
  new Promise<T>((resolve) => {
    resolve(run());
  });

export function metricsFeature(
  context: FeatureContext,
  options: MetricsFeatureOptions = {},
): BackendFeature<MetricsChannelName> {
  const leaseMs = options.leaseMs ?? METRICS_LEASE_MS;
  const now = options.now ?? Date.now;
  let own: MetricsSampler | undefined;
  let subscriptions: MetricsSubscriptions | undefined;
  let stopTicks: (() => void) | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;

  // Made on the first watch: a backend nobody asks for metrics touches neither /proc nor the engines.
  const sampler = (): MetricsSampler => {
    if (options.sampler !== undefined) return options.sampler;
    own ??= new MetricsSampler(
      metricsSources({ helper: context.services.helper, containers: context.services.containers }),
      options.samplerOptions,
    );
    return own;
  };
  const registry = (): MetricsSubscriptions => {
    subscriptions ??= new MetricsSubscriptions(sampler(), {
      leaseMs,
      maxSubscriptions: options.maxSubscriptions ?? 64,
      now,
      recentMs: 30_000,
    });
    return subscriptions;
  };
  const idle = () => {
    if (subscriptions !== undefined && subscriptions.size > 0) return;
    stopTicks?.();
    stopTicks = undefined;
    if (sweep !== undefined) clearInterval(sweep);
    sweep = undefined;
  };
  const expire = () => {
    subscriptions?.expire();
    idle();
  };
  const active = (registered: MetricsSubscriptions) => {
    stopTicks ??= sampler().onTick((tick) => {
      for (const delta of registered.deltas(tick)) context.publish('metrics.samples', delta);
    });
    sweep ??= setInterval(expire, Math.max(250, Math.min(1000, leaseMs / 4)));
  };

  return {
    handlers: {
      'metrics.watch': (input) =>
        settle(() => {
          const registered = registry();
          const reply = registered.watch(input);
          active(registered);
          return reply;
        }),
      'metrics.renew': ({ subscriptionId }) => settle(() => registry().renew(subscriptionId)),
      'metrics.unwatch': ({ subscriptionId }) =>
        settle(() => {
          const ended = subscriptions?.end(subscriptionId) ?? false;
          idle();
          return { ended };
        }),
    },
    // No window left: whatever they watched ends now rather than when the leases run out.
    onNoListener: () => {
      subscriptions?.endAll();
      idle();
    },
    close: () => {
      subscriptions?.endAll();
      idle();
      own?.close();
    },
  };
}
