// Counters (CPU nanoseconds, bytes read, packets…) turned into rates between two readings. Pure.

/**
 * The increase of a counter per second between two readings. A counter that went down was reset (the
 * VM restarted, the container was recreated): its new value is what it counted since, as Prometheus'
 * rate() takes it. Undefined when there is no earlier reading or no time passed.
 */
export function counterRate(
  previous: number | undefined,
  current: number,
  elapsedMs: number,
): number | undefined {
  if (previous === undefined || !(elapsedMs > 0) || !Number.isFinite(current)) return undefined;
  const increase = current >= previous ? current - previous : current;
  return (increase * 1000) / elapsedMs;
}

/**
 * CPU use in percent of one core from CPU time in ns over wall time in ms: a guest keeping two vCPUs
 * busy shows 200. A reset counts from zero, as for counterRate.
 */
export function cpuPercentFromNs(previousNs: number | undefined, currentNs: number, elapsedMs: number) {
  const nsPerSecond = counterRate(previousNs, currentNs, elapsedMs);
  return nsPerSecond === undefined ? undefined : nsPerSecond / 1e7;
}
