// Who watches which metrics, until when: each window's subscription holds one use of the sampler and
// a lease it renews. A subscription that is not renewed in time ends (its window closed or hung).
import { randomBytes } from 'node:crypto';

import {
  METRICS_WINDOW_STEP_MS,
  type MetricsSeries,
  type MetricsWatchInput,
  type MetricsWindow,
  NovaError,
} from '@nova/core';
import { HOST_SERIES, type MetricPoint, type MetricsSampler, type MetricsTick } from '@nova/core/node';

export interface Subscription {
  id: string;
  input: MetricsWatchInput;
  tier: number;
  expiresAt: number;
  release: () => void;
}

export interface SubscriptionsOptions {
  leaseMs: number;
  maxSubscriptions: number;
  now: () => number;
  /** An instance whose last point is older than this is not part of 'all' (ms). */
  recentMs: number;
}

/** The sampler tier that serves a window: the one whose step matches. */
function tierFor(sampler: MetricsSampler, window: MetricsWindow): number {
  const index = sampler.tiers.findIndex((tier) => tier.stepMs === METRICS_WINDOW_STEP_MS[window]);
  return index < 0 ? 0 : index;
}

const copy = (point: MetricPoint): MetricPoint => ({ ...point });

export class MetricsSubscriptions {
  readonly #subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly sampler: MetricsSampler,
    private readonly options: SubscriptionsOptions,
  ) {}

  get size(): number {
    return this.#subscriptions.size;
  }

  /** Starts one: the sampler runs (if it did not) and the reply holds what the buffers have now. */
  watch(input: MetricsWatchInput) {
    if (this.#subscriptions.size >= this.options.maxSubscriptions)
      throw new NovaError(
        'conflict',
        `there are already ${this.options.maxSubscriptions} metrics subscriptions`,
        'Close some Metrics views or windows, or wait a few seconds for closed ones to expire.',
      );
    const id = `m-${randomBytes(16).toString('hex')}`;
    const release = this.sampler.acquire({
      instances: input.instances === 'all' || input.instances.length > 0,
    });
    const subscription: Subscription = {
      id,
      input,
      tier: tierFor(this.sampler, input.window),
      expiresAt: this.options.now() + this.options.leaseMs,
      release,
    };
    this.#subscriptions.set(id, subscription);
    const series: MetricsSeries[] = this.#ids(subscription).map((seriesId) => ({
      id: seriesId,
      points: this.sampler.points(seriesId, subscription.tier, input.history),
    }));
    return {
      subscriptionId: id,
      window: input.window,
      stepMs: METRICS_WINDOW_STEP_MS[input.window],
      leaseMs: this.options.leaseMs,
      series,
    };
  }

  renew(id: string): { leaseMs: number } {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined)
      throw new NovaError(
        'not-found',
        'this metrics subscription has ended',
        'Start a new one (metrics.watch).',
      );
    subscription.expiresAt = this.options.now() + this.options.leaseMs;
    return { leaseMs: this.options.leaseMs };
  }

  end(id: string): boolean {
    const subscription = this.#subscriptions.get(id);
    if (subscription === undefined) return false;
    this.#subscriptions.delete(id);
    subscription.release();
    return true;
  }

  endAll(): void {
    for (const id of [...this.#subscriptions.keys()]) this.end(id);
  }

  /** Ends every subscription whose lease ran out; returns how many. */
  expire(): number {
    const now = this.options.now();
    let ended = 0;
    for (const subscription of [...this.#subscriptions.values()]) {
      if (subscription.expiresAt <= now && this.end(subscription.id)) ended++;
    }
    return ended;
  }

  /** Each subscription's share of one step: its series' new points (none: nothing to send). */
  deltas(tick: MetricsTick): { subscriptionId: string; window: MetricsWindow; series: MetricsSeries[] }[] {
    const out: { subscriptionId: string; window: MetricsWindow; series: MetricsSeries[] }[] = [];
    for (const subscription of this.#subscriptions.values()) {
      const { input } = subscription;
      const wanted =
        input.instances === 'all'
          ? [...tick.points.keys(), ...(tick.closed.get(subscription.tier)?.keys() ?? [])].filter(
              (id) => id !== HOST_SERIES,
            )
          : input.instances;
      const ids = new Set(input.host ? [HOST_SERIES, ...wanted] : wanted);
      const series: MetricsSeries[] = [];
      for (const id of ids) {
        const fine = tick.points.get(id);
        if (subscription.tier === 0) {
          if (fine !== undefined) series.push({ id, points: [copy(fine)] });
          continue;
        }
        const closed = tick.closed.get(subscription.tier)?.get(id);
        if (closed === undefined && fine === undefined) continue;
        series.push({
          id,
          points: closed === undefined ? [] : [copy(closed)],
          ...(fine === undefined ? {} : { latest: copy(fine) }),
        });
      }
      if (series.length > 0) out.push({ subscriptionId: subscription.id, window: input.window, series });
    }
    return out;
  }

  #ids(subscription: Subscription): string[] {
    const { input } = subscription;
    let instances: readonly string[];
    if (input.instances === 'all') {
      const since = this.options.now() - this.options.recentMs;
      instances = this.sampler.seriesIds().filter((id) => {
        if (id === HOST_SERIES) return false;
        const last = this.sampler.points(id, 0, 1)[0];
        return last !== undefined && last.t >= since;
      });
    } else instances = input.instances;
    return input.host ? [HOST_SERIES, ...instances] : [...instances];
  }
}
