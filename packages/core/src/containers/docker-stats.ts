// A container's load as the engine measures it (CPU, memory, network, block I/O, processes): one
// reading for each container asked about, or a reading each second or so while it is followed.
import type { Readable } from 'node:stream';

import type { ContainerStats } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { EngineName } from '../model/instance.js';
import { mapBounded } from '../util/semaphore.js';
import { containerSummaryFromEngine, type EngineContainerInfo } from './container-model.js';
import type { DockerClients } from './docker-client.js';
import { engineError, statusOf } from './docker-errors.js';
import { inspectRaw } from './docker-inspect.js';
import { forEachJsonLine } from './docker-streams.js';

/** The parts of the engine's statistics reply that Nova reads. */
interface RawStats {
  read?: string;
  id?: string;
  name?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op?: string; value?: number }[] | null };
  pids_stats?: { current?: number };
}

/** A memory limit this large means none: engines report "unlimited" as the largest number they have. */
const MAX_REPORTED_LIMIT = 2 ** 53 - 1;

/** One statistics reading as Nova's ContainerStats: CPU share over the reading's interval, byte totals. */
export function statsFromEngine(engine: EngineName, id: string, name: string, raw: RawStats): ContainerStats {
  const cpuNow = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const cpuBefore = raw.precpu_stats?.cpu_usage?.total_usage ?? 0;
  const systemNow = raw.cpu_stats?.system_cpu_usage ?? 0;
  const systemBefore = raw.precpu_stats?.system_cpu_usage ?? 0;
  const cpus = raw.cpu_stats?.online_cpus ?? raw.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuDelta = cpuNow - cpuBefore;
  const systemDelta = systemNow - systemBefore;
  const cpuPercent =
    cpuBefore > 0 && cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  // As `docker stats` does: page cache the kernel can drop is not the container's use.
  const cache =
    raw.memory_stats?.stats?.['inactive_file'] ?? raw.memory_stats?.stats?.['total_inactive_file'] ?? 0;
  const usage = Math.max(0, (raw.memory_stats?.usage ?? 0) - cache);
  const limit = raw.memory_stats?.limit;
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(raw.networks ?? {})) {
    rx += net.rx_bytes ?? 0;
    tx += net.tx_bytes ?? 0;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const entry of raw.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op?.toLowerCase();
    if (op === 'read') blockRead += entry.value ?? 0;
    if (op === 'write') blockWrite += entry.value ?? 0;
  }
  const at = raw.read === undefined ? Date.now() : Date.parse(raw.read);
  return {
    engine,
    id,
    name,
    at: Number.isFinite(at) && at > 0 ? at : Date.now(),
    cpuPercent: Math.round(cpuPercent * 100) / 100,
    memoryBytes: Math.round(usage),
    ...(limit !== undefined && limit > 0 && limit < MAX_REPORTED_LIMIT
      ? { memoryLimitBytes: Math.round(limit) }
      : {}),
    netRxBytes: Math.round(rx),
    netTxBytes: Math.round(tx),
    blockReadBytes: Math.round(blockRead),
    blockWriteBytes: Math.round(blockWrite),
    pids: Math.round(raw.pids_stats?.current ?? 0),
  };
}

async function runningContainers(docker: DockerClients): Promise<{ id: string; name: string }[]> {
  const infos = (await docker.quick.listContainers({ all: false })) as EngineContainerInfo[];
  return infos.map((info) => {
    const summary = containerSummaryFromEngine(info);
    return { id: summary.containerId, name: summary.name };
  });
}

/** One reading for each of `refs` (which must be running), or for every running container. */
export async function containerStats(docker: DockerClients, refs?: string[]): Promise<ContainerStats[]> {
  let targets: { id: string; name: string }[];
  try {
    targets =
      refs === undefined
        ? await runningContainers(docker)
        : await Promise.all(
            refs.map(async (ref) => {
              const raw = await inspectRaw(docker, ref);
              if (raw.State?.Status !== 'running')
                throw new NovaError('conflict', `container ${ref} is not running, so it has no load to show`);
              return { id: raw.Id, name: (raw.Name ?? ref).replace(/^\//, '') };
            }),
          );
  } catch (err) {
    throw engineError(docker.engine, 'read container statistics', err);
  }
  const samples = await mapBounded(targets, 8, async (target) => {
    try {
      // stream=false: the engine waits for a second reading, so the CPU share is over a real interval.
      const raw = (await docker.slow.getContainer(target.id).stats({ stream: false })) as unknown as RawStats;
      return statsFromEngine(docker.engine, target.id, target.name, raw);
    } catch (err) {
      // It stopped between the listing and the reading: it has no load to show.
      if (refs === undefined && (statusOf(err) === 404 || statusOf(err) === 409)) return undefined;
      throw engineError(docker.engine, `read the statistics of container ${target.name}`, err);
    }
  });
  return samples.filter((sample): sample is ContainerStats => sample !== undefined);
}

/**
 * Follows the readings of every running container (those that start later too: the list is read again
 * every two seconds) until `signal` aborts.
 */
export async function streamStats(
  docker: DockerClients,
  onSample: (sample: ContainerStats) => void,
  signal: AbortSignal,
): Promise<void> {
  const open = new Map<string, Readable | undefined>();
  const follow = (target: { id: string; name: string }) => {
    if (open.has(target.id) || signal.aborted) return;
    open.set(target.id, undefined);
    docker.slow
      .getContainer(target.id)
      .stats({ stream: true })
      .then((stream) => {
        const readable = stream as unknown as Readable;
        if (signal.aborted) {
          readable.destroy();
          return;
        }
        open.set(target.id, readable);
        return forEachJsonLine(readable, (value) => {
          onSample(statsFromEngine(docker.engine, target.id, target.name, value as RawStats));
        });
      })
      .catch(() => undefined)
      .finally(() => {
        open.delete(target.id);
      });
  };
  const rescan = async () => {
    try {
      for (const target of await runningContainers(docker)) follow(target);
    } catch {
      // The engine went away for a moment: the next rescan picks the containers up again.
    }
  };
  await rescan();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => void rescan(), 2000);
    const stop = () => {
      clearInterval(timer);
      for (const stream of open.values()) stream?.destroy();
      open.clear();
      resolve();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
}
