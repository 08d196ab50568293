// An engine's event stream: which containers changed state and which networks changed, and whether the
// engine can be followed at all.
import type { Readable } from 'node:stream';

import type { ContainerEvent } from '../contract/container-types.js';
import type { EngineName } from '../model/instance.js';
import type { DockerClients } from './docker-client.js';
import { engineError } from './docker-errors.js';
import { forEachJsonLine } from './docker-streams.js';
import {
  type EngineNetworkEvent,
  type EngineWatcher,
  isInterestingAction,
  stateAfterAction,
} from './engine.js';

/** A Docker or Podman network event (create, destroy or remove, connect, disconnect), else undefined. */
export function networkEventOf(engine: EngineName, value: unknown): EngineNetworkEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as {
    Type?: string;
    Action?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
  };
  if (raw.Type !== 'network' || raw.Action === undefined) return undefined;
  const network = raw.Actor?.Attributes?.['name'] ?? raw.Actor?.ID;
  if (network === undefined) return undefined;
  return { engine, network, action: raw.Action };
}

/** A Docker or Podman event as Nova's ContainerEvent, or undefined for events Nova does not show. */
export function containerEventOf(engine: EngineName, value: unknown): ContainerEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const raw = value as {
    Type?: string;
    Action?: string;
    status?: string;
    id?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    time?: number;
    timeNano?: number;
  };
  if (raw.Type !== undefined && raw.Type !== 'container') return undefined;
  const action = (raw.Action ?? raw.status ?? '').split(':')[0] ?? '';
  if (!isInterestingAction(action)) return undefined;
  const containerId = raw.Actor?.ID ?? raw.id;
  if (containerId === undefined) return undefined;
  const at =
    raw.timeNano !== undefined ? Math.round(raw.timeNano / 1e6) : (raw.time ?? Date.now() / 1000) * 1000;
  const state = stateAfterAction(action);
  return {
    engine,
    containerId,
    name: raw.Actor?.Attributes?.['name'] ?? containerId.slice(0, 12),
    action,
    ...(state === undefined ? {} : { state }),
    at,
  };
}

/**
 * Follows the engine's container and network events, telling `watcher` each one and whether the engine
 * answers; reconnects (waiting longer each time, up to five seconds) until the returned function is called.
 */
export function watchEvents(docker: DockerClients, watcher: EngineWatcher): () => void {
  const state = { stopped: false };
  // A function, so that the checks after each await read the flag as it is then.
  const isStopped = () => state.stopped;
  let current: Readable | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = 250;
  let available: boolean | undefined;
  const report = (ok: boolean, detail: string) => {
    if (available === ok) return;
    available = ok;
    watcher.status({ engine: docker.engine, status: ok ? 'available' : 'unavailable', detail });
  };
  const connect = async () => {
    if (isStopped()) return;
    try {
      const stream = (await docker.slow.getEvents({
        filters: { type: ['container', 'network'] },
      })) as unknown as Readable;
      if (isStopped()) {
        stream.destroy();
        return;
      }
      current = stream;
      delay = 250;
      report(true, `${docker.engine} answers at ${docker.endpoint}`);
      await forEachJsonLine(stream, (value) => {
        const event = containerEventOf(docker.engine, value);
        if (event !== undefined) {
          watcher.event(event);
          return;
        }
        const change = networkEventOf(docker.engine, value);
        if (change !== undefined) watcher.network?.(change);
      });
      if (!isStopped()) report(false, `${docker.engine}'s event stream at ${docker.endpoint} ended`);
    } catch (err) {
      if (!isStopped()) report(false, engineError(docker.engine, 'follow events', err).message);
    }
    if (isStopped()) return;
    retry = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, 5000);
  };
  void connect();
  return () => {
    state.stopped = true;
    if (retry !== undefined) clearTimeout(retry);
    current?.destroy();
  };
}
