// Live load of instances and of the host, for every view that shows it (the overview's CPU and memory
// cells and sparklines, the detail pane's charts, the Metrics page, the topology's edges).
//
// Interface first: the metrics work fills it in (sampling in the backend, ring buffers, deltas pushed
// to the window). Until then every hook answers "no data", and the views show a dash.

/** One instance's load now, and its recent CPU history for a sparkline (oldest first, one per second). */
export interface InstanceLoad {
  /** CPU use in percent of one host core (a VM with 2 busy vCPUs shows 200). */
  cpuPercent?: number;
  memoryBytes?: number;
  /** Recent CPU percentages, oldest first, at most 60. */
  cpuHistory: number[];
}

/** The load of one instance, or undefined while none is known. */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- filled in by the metrics work
export function useInstanceLoad(_instanceId: string): InstanceLoad | undefined {
  return undefined;
}
