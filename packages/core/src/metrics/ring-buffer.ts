// Fixed-size buffers of metric points: the last 15 minutes at 1 s, and coarser tiers (averages) behind
// them, so that 24 hours of history cost a bounded amount of memory per instance. Pure: no I/O.

/** The figures one point can carry; absent ones are unknown at that moment. */
export const METRIC_FIELDS = [
  'cpuPercent',
  'memoryBytes',
  'memoryTotalBytes',
  'diskReadBps',
  'diskWriteBps',
  'netRxBps',
  'netTxBps',
] as const;
export type MetricField = (typeof METRIC_FIELDS)[number];

/** One moment of one series: `t` is the start of its step, in ms since the epoch. */
export type MetricPoint = { t: number } & Partial<Record<MetricField, number>>;

/**
 * Keeps the newest `capacity` points, overwriting the oldest, in preallocated columns: times as
 * float64, figures as float32 (7 significant digits are plenty for a chart; NaN: absent). About
 * 36 bytes a point, whatever it holds, and no garbage per point.
 */
export class PointRing {
  readonly #t: Float64Array;
  readonly #values: Float32Array;
  #start = 0;
  #length = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.#t = new Float64Array(capacity);
    this.#values = new Float32Array(capacity * METRIC_FIELDS.length).fill(Number.NaN);
  }

  get length(): number {
    return this.#length;
  }

  push(point: MetricPoint): void {
    const slot = (this.#start + this.#length) % this.capacity;
    this.#t[slot] = point.t;
    const base = slot * METRIC_FIELDS.length;
    METRIC_FIELDS.forEach((field, i) => {
      this.#values[base + i] = point[field] ?? Number.NaN;
    });
    if (this.#length < this.capacity) this.#length++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  /** The newest point's time, if any. */
  lastT(): number | undefined {
    return this.#length === 0 ? undefined : this.#t[(this.#start + this.#length - 1) % this.capacity];
  }

  /** Oldest first; only the newest `limit` when given. */
  toArray(limit = this.#length): MetricPoint[] {
    const count = Math.max(0, Math.min(limit, this.#length));
    const out: MetricPoint[] = [];
    for (let i = this.#length - count; i < this.#length; i++) {
      const slot = (this.#start + i) % this.capacity;
      const point: MetricPoint = { t: this.#t[slot] ?? 0 };
      const base = slot * METRIC_FIELDS.length;
      METRIC_FIELDS.forEach((field, f) => {
        const value = this.#values[base + f];
        if (value !== undefined && !Number.isNaN(value)) point[field] = value;
      });
      out.push(point);
    }
    return out;
  }
}

export interface TierSpec {
  /** Width of one point, ms. */
  stepMs: number;
  /** How many points it keeps. */
  capacity: number;
}

/** 15 min at 1 s, 1 h at 10 s, 24 h at 1 min. */
export const DEFAULT_TIERS: readonly TierSpec[] = [
  { stepMs: 1_000, capacity: 900 },
  { stepMs: 10_000, capacity: 360 },
  { stepMs: 60_000, capacity: 1_440 },
];

/** A coarse tier's step being filled: running sums and counts per field. */
interface OpenStep {
  t: number;
  sums: Float64Array;
  counts: Uint32Array;
}

/**
 * One series (the host, or one instance) in every tier. Points go into the finest tier; each coarser
 * tier gets the average of the points of its step once that step is over (a later point shows it is).
 */
export class MetricSeries {
  readonly #tiers: { spec: TierSpec; ring: PointRing; open: OpenStep | undefined }[];

  constructor(specs: readonly TierSpec[] = DEFAULT_TIERS) {
    this.#tiers = specs.map((spec) => ({ spec, ring: new PointRing(spec.capacity), open: undefined }));
  }

  /** When a point was last added (ms), or undefined. */
  get lastT(): number | undefined {
    return this.#tiers[0]?.ring.lastT();
  }

  /**
   * Adds a point to the finest tier and returns, per coarser tier index, the point that tier closed
   * (if any). Points must come in time order; one not newer than the newest is ignored.
   */
  add(point: MetricPoint): Map<number, MetricPoint> {
    const closed = new Map<number, MetricPoint>();
    const [finest, ...coarser] = this.#tiers;
    if (finest === undefined) return closed;
    const newest = finest.ring.lastT();
    if (newest !== undefined && point.t <= newest) return closed;
    finest.ring.push(point);
    coarser.forEach((tier, index) => {
      const t = Math.floor(point.t / tier.spec.stepMs) * tier.spec.stepMs;
      if (tier.open !== undefined && tier.open.t !== t) {
        const average = averageOf(tier.open);
        tier.ring.push(average);
        closed.set(index + 1, average);
        tier.open = undefined;
      }
      tier.open ??= {
        t,
        sums: new Float64Array(METRIC_FIELDS.length),
        counts: new Uint32Array(METRIC_FIELDS.length),
      };
      const open = tier.open;
      METRIC_FIELDS.forEach((field, f) => {
        const value = point[field];
        if (value === undefined) return;
        open.sums[f] = (open.sums[f] ?? 0) + value;
        open.counts[f] = (open.counts[f] ?? 0) + 1;
      });
    });
    return closed;
  }

  /** A tier's points, oldest first (the newest `limit` when given). */
  points(tier: number, limit?: number): MetricPoint[] {
    return this.#tiers[tier]?.ring.toArray(limit) ?? [];
  }
}

function averageOf(step: OpenStep): MetricPoint {
  const point: MetricPoint = { t: step.t };
  METRIC_FIELDS.forEach((field, f) => {
    const count = step.counts[f] ?? 0;
    if (count > 0) point[field] = (step.sums[f] ?? 0) / count;
  });
  return point;
}
