// What inspecting a container tells: the engine's reply, Nova's ContainerDetails made from it, and the
// lookups the engine's other parts start from (a container by name or id, and one this change may touch).
import type { ContainerDetails, ContainerTarget } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { EngineName } from '../model/instance.js';
import { containerStateFromEngine, NOVA_MANAGED_LABEL, NOVA_PROJECT_LABEL } from './container-model.js';
import type { DockerClients } from './docker-client.js';
import { engineError, statusOf } from './docker-errors.js';
import { ownerOf } from './docker-labels.js';
import { checkOwnership } from './engine.js';

/** The parts of the engine's inspect reply that Nova reads. */
export interface RawInspect {
  Id: string;
  Name?: string;
  Image?: string;
  Created?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Pid?: number;
    ExitCode?: number;
    Error?: string;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: {
    Image?: string;
    Cmd?: string[] | null;
    Entrypoint?: string[] | string | null;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
    Tty?: boolean;
  };
  HostConfig?: {
    RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
    NanoCpus?: number;
    Memory?: number;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
  };
  NetworkSettings?: {
    Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Networks?: Record<string, { IPAddress?: string; MacAddress?: string }> | null;
  };
  Mounts?: { Type?: string; Source?: string; Name?: string; Destination?: string; RW?: boolean }[] | null;
}

/** A time the engine reported, or undefined where it has none (Go's zero time means none). */
function when(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value.startsWith('0001-01-01') ? undefined : value;
}

export function detailsFromEngine(engine: EngineName, raw: RawInspect): ContainerDetails {
  const labels = raw.Config?.Labels ?? {};
  const status = raw.State?.Status ?? 'unknown';
  const entrypoint = raw.Config?.Entrypoint;
  const command = [
    ...(Array.isArray(entrypoint)
      ? entrypoint
      : typeof entrypoint === 'string' && entrypoint !== ''
        ? [entrypoint]
        : []),
    ...(raw.Config?.Cmd ?? []),
  ];
  const ports: ContainerDetails['ports'] = [];
  const portMap = raw.NetworkSettings?.Ports ?? raw.HostConfig?.PortBindings ?? {};
  for (const [key, bindings] of Object.entries(portMap)) {
    const [port, protocol] = key.split('/');
    const containerPort = Number(port);
    if (!Number.isInteger(containerPort)) continue;
    if (bindings === null || bindings.length === 0) {
      ports.push({ containerPort, protocol: protocol ?? 'tcp' });
      continue;
    }
    for (const binding of bindings) {
      const hostPort = Number(binding.HostPort);
      ports.push({
        containerPort,
        protocol: protocol ?? 'tcp',
        ...(binding.HostIp === undefined || binding.HostIp === '' ? {} : { hostIp: binding.HostIp }),
        ...(Number.isInteger(hostPort) && hostPort > 0 ? { hostPort } : {}),
      });
    }
  }
  const nova = labels[NOVA_MANAGED_LABEL] === 'true';
  const project = labels[NOVA_PROJECT_LABEL];
  const exitCode = raw.State?.ExitCode;
  const error = raw.State?.OOMKilled === true ? 'killed: out of memory' : raw.State?.Error;
  const pid = raw.State?.Pid;
  const startedAt = when(raw.State?.StartedAt);
  const finishedAt = when(raw.State?.FinishedAt);
  return {
    engine,
    id: raw.Id,
    name: (raw.Name ?? raw.Id.slice(0, 12)).replace(/^\//, ''),
    image: raw.Config?.Image ?? raw.Image ?? '',
    imageId: raw.Image ?? '',
    state: containerStateFromEngine(status),
    status,
    origin: nova ? 'nova' : 'external',
    ...(nova && project !== undefined ? { project } : {}),
    createdAt: raw.Created ?? '',
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(finishedAt === undefined ? {} : { finishedAt }),
    ...(exitCode === undefined || status === 'running' || status === 'created' ? {} : { exitCode }),
    ...(error === undefined || error === '' ? {} : { error }),
    restartCount: raw.RestartCount ?? 0,
    ...(pid === undefined || pid <= 0 ? {} : { pid }),
    command,
    env: raw.Config?.Env ?? [],
    ports,
    mounts: (raw.Mounts ?? []).map((mount) => ({
      type: mount.Type ?? 'bind',
      source: mount.Type === 'volume' ? (mount.Name ?? mount.Source ?? '') : (mount.Source ?? ''),
      target: mount.Destination ?? '',
      readOnly: mount.RW === false,
    })),
    networks: Object.entries(raw.NetworkSettings?.Networks ?? {}).map(([name, net]) => ({
      name,
      ...(net.IPAddress === undefined || net.IPAddress === '' ? {} : { ipAddress: net.IPAddress }),
      ...(net.MacAddress === undefined || net.MacAddress === '' ? {} : { macAddress: net.MacAddress }),
    })),
    restartPolicy: {
      name: raw.HostConfig?.RestartPolicy?.Name === '' ? 'no' : (raw.HostConfig?.RestartPolicy?.Name ?? 'no'),
      maxRetries: raw.HostConfig?.RestartPolicy?.MaximumRetryCount ?? 0,
    },
    ...(raw.HostConfig?.NanoCpus === undefined || raw.HostConfig.NanoCpus === 0
      ? {}
      : { nanoCpus: raw.HostConfig.NanoCpus }),
    ...(raw.HostConfig?.Memory === undefined || raw.HostConfig.Memory === 0
      ? {}
      : { memoryBytes: raw.HostConfig.Memory }),
    labels,
  };
}

/** Inspects a container by name or id: `not-found` when the engine has none by that name. */
export async function inspectRaw(docker: DockerClients, ref: string): Promise<RawInspect> {
  try {
    return (await docker.quick.getContainer(ref).inspect()) as unknown as RawInspect;
  } catch (err) {
    if (statusOf(err) === 404)
      throw new NovaError(
        'not-found',
        `${docker.engine} has no container "${ref}"`,
        'nova container list shows them all.',
      );
    throw engineError(docker.engine, `inspect container ${ref}`, err);
  }
}

/** Looks the container up and checks that this change may touch it. */
export async function ownedContainer(docker: DockerClients, target: ContainerTarget): Promise<RawInspect> {
  const raw = await inspectRaw(docker, target.container);
  checkOwnership('container', target.container, target, ownerOf(raw.Config?.Labels));
  return raw;
}
