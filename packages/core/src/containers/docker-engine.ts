// A container engine reached through its Docker-compatible API with dockerode: Docker, Podman's API
// service and Bolt speak the same dialect (API 1.41), so one adapter serves all three.
import { createReadStream } from 'node:fs';
import { type Readable, Writable } from 'node:stream';

import Docker from 'dockerode';

import type {
  ContainerDetails,
  ContainerEvent,
  ContainerStats,
  ContainerTarget,
  EngineNetworkSummary,
  EngineObjectOrigin,
  EngineObjectTarget,
  EngineVolumeSummary,
  ExecRequest,
  ExecResult,
  ImageProgress,
  ImageSummary,
  LogEntry,
  LogOptions,
  NewContainer,
  NewEngineNetwork,
  NewEngineVolume,
} from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { ContainerSummary } from '../contract/helper.js';
import type { EngineName } from '../model/instance.js';
import { mapBounded } from '../util/semaphore.js';
import {
  containerStateFromEngine,
  containerSummaryFromEngine,
  type EngineContainerInfo,
  NOVA_MANAGED_LABEL,
  NOVA_NAME_LABEL,
  NOVA_PROJECT_LABEL,
  NOVA_SPEC_HASH_LABEL,
  NOVA_SPEC_LABEL,
} from './container-model.js';
import {
  checkOwnership,
  type ContainerEngine,
  type EngineNetworkEvent,
  type EngineWatcher,
  isInterestingAction,
  stateAfterAction,
} from './engine.js';
import type { EngineEndpoint } from './engines.js';
import { type TarballKind, tarballKind } from './tarball.js';

/** Output of a one-off exec past this is dropped (and said so). */
export const EXEC_OUTPUT_LIMIT = 1024 * 1024;
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
/** Engine networks the engine itself makes. */
const SYSTEM_NETWORKS = new Set(['bridge', 'host', 'none', 'podman']);

function destroyStream(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as { destroy?: unknown };
  if (typeof destroyable.destroy === 'function') (destroyable.destroy as () => void).call(stream);
}

// ── errors ──

export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
    ? err.statusCode
    : undefined;
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

export function reasonOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string')
      return json.message.trim();
    if (Buffer.isBuffer(json) || typeof json === 'string') {
      const text = json.toString().trim();
      if (text !== '') return text;
    }
  }
  return err instanceof Error ? err.message.trim() : String(err);
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

/** An engine error as a NovaError: `what` says what was being done ("stop container web"). */
export function engineError(engine: EngineName, what: string, err: unknown): NovaError {
  if (err instanceof NovaError) return err;
  const status = statusOf(err);
  const reason = reasonOf(err);
  if (status === 404) return new NovaError('not-found', `cannot ${what}: ${reason}`);
  // Podman answers 500 "container state improper" where Docker answers 409.
  if (status === 409 || /already (exists|used|in use)|container state improper/i.test(reason))
    return new NovaError('conflict', `cannot ${what}: ${reason}`);
  if (status === 400) return new NovaError('invalid-input', `cannot ${what}: ${reason}`);
  if (status === undefined && UNREACHABLE.has(errnoOf(err) ?? '')) {
    return new NovaError(
      'backend-unavailable',
      `cannot ${what}: ${engine} does not answer (${reason})`,
      `Start ${engine}, or check that this user may reach its socket.`,
    );
  }
  if (status === undefined && /timeout|socket hang up/i.test(reason)) {
    return new NovaError(
      'backend-unavailable',
      `cannot ${what}: ${engine} did not answer in time (${reason})`,
    );
  }
  return new NovaError('failed', `cannot ${what}: ${reason}`);
}

// ── labels ──

/** The spec as recorded in a label: environment values are left out, they may be secrets. */
export function recordedSpec(spec: NewContainer): string {
  const { env, ...rest } = spec;
  const recorded: Record<string, unknown> = {
    ...rest,
    env: Object.fromEntries(Object.keys(env).map((key) => [key, ''])),
  };
  delete recorded['ownership'];
  delete recorded['labels'];
  return JSON.stringify(recorded);
}

export function novaLabels(
  ownership: NewContainer['ownership'],
  userLabels: Record<string, string> = {},
  recorded?: string,
): Record<string, string> {
  return {
    ...userLabels,
    [NOVA_MANAGED_LABEL]: 'true',
    ...(ownership === undefined
      ? {}
      : {
          [NOVA_PROJECT_LABEL]: ownership.project,
          [NOVA_NAME_LABEL]: ownership.name,
          [NOVA_SPEC_HASH_LABEL]: ownership.specHash,
        }),
    ...(recorded === undefined ? {} : { [NOVA_SPEC_LABEL]: recorded }),
  };
}

function originOf(name: string, labels: Record<string, string> | null | undefined): EngineObjectOrigin {
  if (labels?.[NOVA_MANAGED_LABEL] === 'true') return 'nova';
  return SYSTEM_NETWORKS.has(name) ? 'system' : 'external';
}

// ── log streams ──

/**
 * Splits Docker's multiplexed stream (8-byte frame headers: stream, 0, 0, 0, size) into lines; with
 * a TTY there are no frames and everything is stdout.
 */
export class LogDecoder {
  #pending: Buffer = Buffer.alloc(0);
  readonly #partial = { stdout: '', stderr: '' };

  constructor(
    private readonly tty: boolean,
    private readonly timestamps: boolean,
    private readonly emit: (entry: LogEntry) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.#text('stdout', chunk.toString('utf8'));
      return;
    }
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 8) {
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) break;
      const kind = this.#pending[0] === 2 ? 'stderr' : 'stdout';
      this.#text(kind, this.#pending.subarray(8, 8 + size).toString('utf8'));
      this.#pending = this.#pending.subarray(8 + size);
    }
  }

  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream] !== '') this.#line(stream, this.#partial[stream]);
      this.#partial[stream] = '';
    }
  }

  #text(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.#partial[stream] + text).split('\n');
    this.#partial[stream] = lines.pop() ?? '';
    for (const line of lines) this.#line(stream, line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  #line(stream: 'stdout' | 'stderr', line: string): void {
    if (this.timestamps) {
      const space = line.indexOf(' ');
      if (space > 0 && /^\d{4}-\d\d-\d\dT/.test(line)) {
        this.emit({ stream, time: line.slice(0, space), text: line.slice(space + 1) });
        return;
      }
    }
    this.emit({ stream, text: line });
  }
}

/** Splits a stream of JSON documents, one per line, calling `onValue` for each. */
export function forEachJsonLine(
  stream: NodeJS.ReadableStream,
  onValue: (value: unknown) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const flush = (final: boolean) => {
      const lines = pending.split('\n');
      pending = final ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        const trimmed = line.trim();
        if (trimmed === '') continue;
        try {
          onValue(JSON.parse(trimmed));
        } catch {
          // A line the engine cut short when the stream was closed: nothing to report.
        }
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      flush(false);
    });
    stream.on('end', () => {
      flush(true);
      resolve();
    });
    stream.on('close', () => {
      resolve();
    });
    stream.on('error', reject);
  });
}

// ── stats ──

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

const MAX_REPORTED_LIMIT = 2 ** 53 - 1;

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

// ── inspect ──

interface RawInspect {
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

/** Splits `repo[:tag]` where the tag is after the last slash. */
export function splitReference(reference: string): { repo: string; tag: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repo: reference.slice(0, at), tag: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

function progressOf(value: unknown): ImageProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as {
    id?: unknown;
    status?: unknown;
    stream?: unknown;
    progressDetail?: { current?: unknown; total?: unknown };
  };
  const status =
    typeof event.status === 'string'
      ? event.status
      : typeof event.stream === 'string'
        ? event.stream.trim()
        : '';
  if (status === '') return undefined;
  const current = event.progressDetail?.current;
  const total = event.progressDetail?.total;
  return {
    ...(typeof event.id === 'string' && event.id !== '' ? { id: event.id } : {}),
    status,
    ...(typeof current === 'number' && current >= 0 ? { current } : {}),
    ...(typeof total === 'number' && total >= 0 ? { total } : {}),
  };
}

function errorInProgress(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof event.errorDetail?.message === 'string') return event.errorDetail.message;
  return typeof event.error === 'string' ? event.error : undefined;
}

/** A pull failure in the user's words: unreachable registry, unknown image, or something else. */
export function pullError(reference: string, reason: string): NovaError {
  if (
    /no such host|dial tcp|connection refused|i\/o timeout|network is unreachable|TLS handshake|lookup /i.test(
      reason,
    )
  ) {
    return new NovaError(
      'backend-unavailable',
      `cannot pull ${reference}: its registry cannot be reached (${reason})`,
      'Check this host’s network and proxy settings, or import the image from a tarball: nova image import FILE.',
    );
  }
  if (
    /not found|manifest unknown|does not exist|pull access denied|unauthorized|repository .* not/i.test(
      reason,
    )
  ) {
    return new NovaError(
      'not-found',
      `cannot pull ${reference}: the registry has no such image, or refuses it without a login (${reason})`,
      'Check the image’s name and tag.',
    );
  }
  return new NovaError('failed', `cannot pull ${reference}: ${reason}`);
}

// ── the engine ──

export class DockerEngine implements ContainerEngine {
  readonly via = 'direct' as const;
  readonly engine: EngineName;
  readonly endpoint: string;
  /** Requests that answer at once (an idle reply past the timeout means the engine hangs). */
  readonly #quick: Docker;
  /** Streams and calls that take as long as they take: events, follow, stop, pull, import, exec. */
  readonly #slow: Docker;

  constructor(endpointOf: EngineEndpoint) {
    this.engine = endpointOf.engine;
    this.endpoint = endpointOf.label;
    const base =
      endpointOf.kind === 'unix'
        ? { socketPath: endpointOf.socketPath }
        : { host: endpointOf.host, port: endpointOf.port, protocol: 'http' as const };
    this.#quick = new Docker({ ...base, timeout: 30_000 });
    this.#slow = new Docker({ ...base });
  }

  /** The dockerode client, for what the engine interface does not cover. */
  get client(): Docker {
    return this.#quick;
  }

  async listContainers(): Promise<ContainerSummary[]> {
    try {
      const infos = (await this.#quick.listContainers({ all: true })) as EngineContainerInfo[];
      return infos.map(containerSummaryFromEngine);
    } catch (err) {
      throw engineError(this.engine, `list the containers of ${this.engine} at ${this.endpoint}`, err);
    }
  }

  async #inspectRaw(ref: string): Promise<RawInspect> {
    try {
      return (await this.#quick.getContainer(ref).inspect()) as unknown as RawInspect;
    } catch (err) {
      if (statusOf(err) === 404)
        throw new NovaError(
          'not-found',
          `${this.engine} has no container "${ref}"`,
          'nova container list shows them all.',
        );
      throw engineError(this.engine, `inspect container ${ref}`, err);
    }
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    return detailsFromEngine(this.engine, await this.#inspectRaw(ref));
  }

  async #ensureImage(image: string): Promise<void> {
    try {
      await this.#quick.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw engineError(this.engine, `look up image ${image}`, err);
    }
    await this.pullImage(image);
  }

  async createContainer(spec: NewContainer): Promise<string> {
    await this.#ensureImage(spec.image);
    const portBindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
    const exposed: Record<string, object> = {};
    for (const port of spec.ports) {
      const key = `${port.containerPort}/${port.protocol}`;
      exposed[key] = {};
      if (port.hostPort !== undefined) {
        (portBindings[key] ??= []).push({
          ...(port.hostIp === undefined ? {} : { HostIp: port.hostIp }),
          HostPort: String(port.hostPort),
        });
      }
    }
    const binds = spec.mounts.map((mount) => `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`);
    try {
      // dockerode would put every option into the URL's query too (env values included, which
      // engines and proxies may log): `_query` and `_body` keep the name in the URL, the rest in the body.
      const body = {
        Image: spec.image,
        ...(spec.command === undefined ? {} : { Cmd: spec.command }),
        Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
        Labels: novaLabels(spec.ownership, spec.labels, recordedSpec(spec)),
        ExposedPorts: exposed,
        HostConfig: {
          PortBindings: portBindings,
          Binds: binds,
          RestartPolicy: {
            Name: spec.restart.name === 'no' ? '' : spec.restart.name,
            ...(spec.restart.maxRetries === undefined ? {} : { MaximumRetryCount: spec.restart.maxRetries }),
          },
          ...(spec.nanoCpus === undefined ? {} : { NanoCpus: spec.nanoCpus }),
          ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes }),
          ReadonlyRootfs: spec.readOnly,
          ...(spec.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
          ...(spec.network === undefined ? {} : { NetworkMode: spec.network }),
          ...(spec.gpus ? { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] } : {}),
        },
      };
      const container = await this.#quick.createContainer({
        _query: { name: spec.name },
        _body: body,
      } as unknown as Docker.ContainerCreateOptions);
      return container.id;
    } catch (err) {
      if (statusOf(err) === 409)
        throw new NovaError(
          'conflict',
          `${this.engine} has a container named "${spec.name}" already`,
          'Choose another name, or remove the old container first.',
        );
      throw engineError(this.engine, `create container ${spec.name}`, err);
    }
  }

  /** Looks the container up and checks that this change may touch it. */
  async #owned(target: ContainerTarget): Promise<RawInspect> {
    const raw = await this.#inspectRaw(target.container);
    const labels = raw.Config?.Labels ?? {};
    checkOwnership('container', target.container, target, {
      nova: labels[NOVA_MANAGED_LABEL] === 'true',
      project: labels[NOVA_PROJECT_LABEL],
    });
    return raw;
  }

  async #lifecycle(
    target: ContainerTarget,
    verb: string,
    run: (container: Docker.Container, raw: RawInspect) => Promise<unknown>,
  ): Promise<void> {
    const raw = await this.#owned(target);
    try {
      await run(this.#slow.getContainer(raw.Id), raw);
    } catch (err) {
      // 304: it is in that state already, which is what was asked.
      if (statusOf(err) === 304) return;
      if (statusOf(err) === 404)
        throw new NovaError('not-found', `${this.engine} has no container "${target.container}"`);
      throw engineError(this.engine, `${verb} container ${target.container}`, err);
    }
  }

  startContainer(target: ContainerTarget): Promise<void> {
    return this.#lifecycle(target, 'start', async (c, raw) => {
      if (raw.State?.Status === 'paused') await c.unpause();
      else if (raw.State?.Status !== 'running') await c.start();
    });
  }

  stopContainer(target: ContainerTarget, options: { timeoutSeconds?: number } = {}): Promise<void> {
    return this.#lifecycle(target, 'stop', async (c, raw) => {
      if (
        raw.State?.Status === 'running' ||
        raw.State?.Status === 'paused' ||
        raw.State?.Status === 'restarting'
      )
        await c.stop({ t: options.timeoutSeconds ?? 10 });
    });
  }

  restartContainer(target: ContainerTarget, options: { timeoutSeconds?: number } = {}): Promise<void> {
    return this.#lifecycle(target, 'restart', (c) => c.restart({ t: options.timeoutSeconds ?? 10 }));
  }

  pauseContainer(target: ContainerTarget): Promise<void> {
    return this.#lifecycle(target, 'pause', async (c, raw) => {
      if (raw.State?.Status === 'paused') return;
      if (raw.State?.Status !== 'running')
        throw new NovaError(
          'conflict',
          `container ${target.container} is ${raw.State?.Status ?? 'not running'}; only a running container can be paused`,
        );
      await c.pause();
    });
  }

  resumeContainer(target: ContainerTarget): Promise<void> {
    return this.#lifecycle(target, 'resume', async (c, raw) => {
      if (raw.State?.Status === 'running') return;
      if (raw.State?.Status !== 'paused')
        throw new NovaError(
          'conflict',
          `container ${target.container} is ${raw.State?.Status ?? 'not paused'}, not paused`,
          `Start it: nova container start ${target.container}.`,
        );
      await c.unpause();
    });
  }

  async removeContainer(
    target: ContainerTarget,
    options: { force?: boolean; volumes?: boolean } = {},
  ): Promise<void> {
    const raw = await this.#owned(target);
    try {
      const container = this.#slow.getContainer(raw.Id);
      // Force means kill, as Docker does; Podman would wait out the stop timeout first.
      if (options.force === true && (raw.State?.Status === 'running' || raw.State?.Status === 'paused'))
        await container.kill().catch(() => undefined);
      await container.remove({ force: options.force === true, v: options.volumes === true });
    } catch (err) {
      if (statusOf(err) === 404) return;
      if (statusOf(err) === 409 || /container state improper/i.test(reasonOf(err)))
        throw new NovaError(
          'conflict',
          `container ${target.container} is running: ${reasonOf(err)}`,
          'Stop it first, or remove it with --force.',
        );
      throw engineError(this.engine, `remove container ${target.container}`, err);
    }
  }

  async containerLogs(ref: string, options: LogOptions = {}): Promise<LogEntry[]> {
    const raw = await this.#inspectRaw(ref);
    const entries: LogEntry[] = [];
    const decoder = new LogDecoder(raw.Config?.Tty === true, options.timestamps === true, (entry) =>
      entries.push(entry),
    );
    try {
      const output: unknown = await this.#slow.getContainer(raw.Id).logs({
        follow: false,
        stdout: true,
        stderr: true,
        timestamps: options.timestamps === true,
        ...(options.tail === undefined ? {} : { tail: options.tail }),
        ...(options.since === undefined ? {} : { since: options.since }),
      });
      if (Buffer.isBuffer(output)) decoder.push(output);
      else if (typeof output === 'string') decoder.push(Buffer.from(output, 'utf8'));
      decoder.end();
      return entries;
    } catch (err) {
      throw engineError(this.engine, `read the logs of container ${ref}`, err);
    }
  }

  async followLogs(
    ref: string,
    options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
    onEntry: (entry: LogEntry) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const raw = await this.#inspectRaw(ref);
    const decoder = new LogDecoder(raw.Config?.Tty === true, options.timestamps === true, onEntry);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.#slow.getContainer(raw.Id).logs({
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: options.timestamps === true,
        ...(options.tail === undefined ? {} : { tail: options.tail }),
        ...(options.since === undefined ? {} : { since: options.since }),
      });
    } catch (err) {
      throw engineError(this.engine, `follow the logs of container ${ref}`, err);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        destroyStream(stream);
        resolve();
      };
      if (signal.aborted) stop();
      signal.addEventListener('abort', stop, { once: true });
      stream.on('data', (chunk: Buffer) => {
        decoder.push(chunk);
      });
      stream.on('end', () => {
        decoder.end();
        signal.removeEventListener('abort', stop);
        resolve();
      });
      stream.on('error', () => {
        signal.removeEventListener('abort', stop);
        resolve();
      });
    });
  }

  async #runningContainers(): Promise<{ id: string; name: string }[]> {
    const infos = (await this.#quick.listContainers({ all: false })) as EngineContainerInfo[];
    return infos.map((info) => {
      const summary = containerSummaryFromEngine(info);
      return { id: summary.containerId, name: summary.name };
    });
  }

  async containerStats(refs?: string[]): Promise<ContainerStats[]> {
    let targets: { id: string; name: string }[];
    try {
      targets =
        refs === undefined
          ? await this.#runningContainers()
          : await Promise.all(
              refs.map(async (ref) => {
                const raw = await this.#inspectRaw(ref);
                if (raw.State?.Status !== 'running')
                  throw new NovaError(
                    'conflict',
                    `container ${ref} is not running, so it has no load to show`,
                  );
                return { id: raw.Id, name: (raw.Name ?? ref).replace(/^\//, '') };
              }),
            );
    } catch (err) {
      throw engineError(this.engine, 'read container statistics', err);
    }
    const samples = await mapBounded(targets, 8, async (target) => {
      try {
        // stream=false: the engine waits for a second reading, so the CPU share is over a real interval.
        const raw = (await this.#slow
          .getContainer(target.id)
          .stats({ stream: false })) as unknown as RawStats;
        return statsFromEngine(this.engine, target.id, target.name, raw);
      } catch (err) {
        // It stopped between the listing and the reading: it has no load to show.
        if (refs === undefined && (statusOf(err) === 404 || statusOf(err) === 409)) return undefined;
        throw engineError(this.engine, `read the statistics of container ${target.name}`, err);
      }
    });
    return samples.filter((sample): sample is ContainerStats => sample !== undefined);
  }

  async streamStats(onSample: (sample: ContainerStats) => void, signal: AbortSignal): Promise<void> {
    const open = new Map<string, Readable | undefined>();
    const follow = (target: { id: string; name: string }) => {
      if (open.has(target.id) || signal.aborted) return;
      open.set(target.id, undefined);
      this.#slow
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
            onSample(statsFromEngine(this.engine, target.id, target.name, value as RawStats));
          });
        })
        .catch(() => undefined)
        .finally(() => {
          open.delete(target.id);
        });
    };
    const rescan = async () => {
      try {
        for (const target of await this.#runningContainers()) follow(target);
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

  async exec(target: ContainerTarget, request: ExecRequest): Promise<ExecResult> {
    const ref = target.container;
    const raw = await this.#owned(target);
    if (raw.State?.Status !== 'running')
      throw new NovaError(
        'conflict',
        `container ${ref} is not running`,
        `Start it first: nova container start ${ref}.`,
      );
    let exec: Docker.Exec;
    try {
      exec = await this.#slow.getContainer(raw.Id).exec({
        Cmd: request.argv,
        AttachStdin: false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ...(request.env === undefined ? {} : { Env: request.env }),
        ...(request.workdir === undefined ? {} : { WorkingDir: request.workdir }),
        ...(request.user === undefined ? {} : { User: request.user }),
      });
    } catch (err) {
      throw engineError(this.engine, `run a command in container ${ref}`, err);
    }
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], size: 0, truncated: false };
    const sink = (which: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          const room = EXEC_OUTPUT_LIMIT - out.size;
          if (room <= 0) out.truncated = true;
          else {
            const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
            if (kept.length < chunk.length) out.truncated = true;
            out[which].push(kept);
            out.size += kept.length;
          }
          done();
        },
      });
    const timeoutMs = request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await exec.start({ hijack: true, stdin: false });
    } catch (err) {
      throw engineError(this.engine, `run a command in container ${ref}`, err);
    }
    const finished = await new Promise<'done' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        destroyStream(stream);
        resolve('timeout');
      }, timeoutMs);
      this.#slow.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
      const done = () => {
        clearTimeout(timer);
        resolve('done');
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
    if (finished === 'timeout')
      throw new NovaError(
        'failed',
        `the command in container ${ref} did not finish within ${timeoutMs} ms`,
        'It may still be running inside the container; give a longer --timeout for long commands.',
      );
    let exitCode = -1;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const info = (await exec.inspect()) as { Running?: boolean; ExitCode?: number | null };
      if (info.Running !== true && typeof info.ExitCode === 'number') {
        exitCode = info.ExitCode;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return {
      exitCode,
      stdout: Buffer.concat(out.stdout).toString('utf8'),
      stderr: Buffer.concat(out.stderr).toString('utf8'),
      truncated: out.truncated,
    };
  }

  async listImages(): Promise<ImageSummary[]> {
    try {
      const images = (await this.#quick.listImages({ all: false })) as {
        Id: string;
        RepoTags?: string[] | null;
        Size?: number;
        Created?: number;
        Containers?: number;
      }[];
      return images.map((image) => ({
        engine: this.engine,
        id: image.Id,
        tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
        sizeBytes: Math.max(0, image.Size ?? 0),
        createdAt: new Date((image.Created ?? 0) * 1000).toISOString(),
        ...(typeof image.Containers === 'number' && image.Containers >= 0
          ? { containers: image.Containers }
          : {}),
      }));
    } catch (err) {
      throw engineError(this.engine, `list the images of ${this.engine}`, err);
    }
  }

  async pullImage(reference: string, onProgress?: (progress: ImageProgress) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.#slow.pull(reference);
    } catch (err) {
      if (statusOf(err) !== undefined) throw pullError(reference, reasonOf(err));
      throw engineError(this.engine, `pull ${reference}`, err);
    }
    let failure: string | undefined;
    await forEachJsonLine(stream, (value) => {
      failure ??= errorInProgress(value);
      const progress = progressOf(value);
      if (progress !== undefined) onProgress?.(progress);
    });
    if (failure !== undefined) throw pullError(reference, failure);
  }

  async importImage(
    path: string,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    const kind = await tarballKind(path);
    return this.importImageFrom(kind, () => createReadStream(path), options, onProgress);
  }

  /** Imports from a stream the caller opens: the helper opens it with its caller's rights. */
  async importImageFrom(
    kind: TarballKind,
    open: () => NodeJS.ReadableStream,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    if (kind === 'rootfs' && options.reference === undefined) {
      throw new NovaError(
        'invalid-input',
        'this tarball is a root file system, not an image archive, so it has no name of its own',
        'Give the image a name: nova image import FILE --name example/rootfs:1.0.',
      );
    }
    let failure: string | undefined;
    const names: string[] = [];
    const progress = (value: unknown) => {
      failure ??= errorInProgress(value);
      const step = progressOf(value);
      if (step === undefined) return;
      onProgress?.(step);
      const loaded = /^Loaded image(?: ID)?:\s*(\S+)/.exec(step.status);
      if (loaded?.[1] !== undefined) names.push(loaded[1]);
      else if (kind === 'rootfs' && /^sha256:[0-9a-f]{64}$/.test(step.status)) names.push(step.status);
      else if (kind === 'rootfs' && step.id !== undefined && /^sha256:[0-9a-f]{64}$/.test(step.id))
        names.push(step.id);
    };
    try {
      if (kind === 'archive') {
        await forEachJsonLine(await this.#slow.loadImage(open(), { quiet: false }), progress);
      } else {
        // Imported without a name, then named: Podman's API ignores the tag of an import.
        await forEachJsonLine(await this.#slow.importImage(open(), {}), progress);
      }
    } catch (err) {
      throw engineError(this.engine, 'import the image', err);
    }
    if (failure !== undefined) throw new NovaError('failed', `cannot import the image: ${failure}`);
    if (names.length === 0) throw new NovaError('failed', `${this.engine} did not say which image it loaded`);
    if (options.reference !== undefined && names[0] !== undefined) {
      const { repo, tag } = splitReference(options.reference);
      try {
        await this.#quick.getImage(names[0]).tag({ repo, tag });
      } catch (err) {
        throw engineError(this.engine, `name the loaded image ${options.reference}`, err);
      }
      return kind === 'rootfs' ? [options.reference] : [options.reference, ...names];
    }
    return names;
  }

  async removeImage(reference: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.#quick.getImage(reference).remove({ force: options.force === true });
    } catch (err) {
      if (statusOf(err) === 404)
        throw new NovaError('not-found', `${this.engine} has no image "${reference}"`);
      if (statusOf(err) === 409)
        throw new NovaError(
          'conflict',
          `image ${reference} is in use: ${reasonOf(err)}`,
          'Remove the containers that use it first, or remove it with --force.',
        );
      throw engineError(this.engine, `remove image ${reference}`, err);
    }
  }

  async listNetworks(): Promise<EngineNetworkSummary[]> {
    try {
      const networks = (await this.#quick.listNetworks()) as {
        Id: string;
        Name: string;
        Driver?: string;
        Internal?: boolean;
        Created?: string;
        Labels?: Record<string, string> | null;
        IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null } | null;
        Containers?: Record<string, { Name?: string }> | null;
      }[];
      // Docker's network list leaves Containers empty (only an inspect fills it): members come from
      // the container list, one call for all networks, stopped containers included.
      const members = new Map<string, Set<string>>();
      const containers = (await this.#quick.listContainers({ all: true })) as {
        Names?: string[];
        NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
      }[];
      for (const container of containers) {
        const name = container.Names?.[0]?.replace(/^\//, '');
        if (name === undefined) continue;
        for (const network of Object.keys(container.NetworkSettings?.Networks ?? {})) {
          let set = members.get(network);
          if (set === undefined) members.set(network, (set = new Set()));
          set.add(name);
        }
      }
      return networks.map((network) => {
        const project = network.Labels?.[NOVA_PROJECT_LABEL];
        const names = new Set(members.get(network.Name));
        for (const c of Object.values(network.Containers ?? {})) if (c.Name !== undefined) names.add(c.Name);
        const origin = originOf(network.Name, network.Labels);
        return {
          engine: this.engine,
          id: network.Id,
          name: network.Name,
          driver: network.Driver ?? 'bridge',
          internal: network.Internal === true,
          subnets: (network.IPAM?.Config ?? []).flatMap((config) =>
            config.Subnet === undefined
              ? []
              : [
                  {
                    subnet: config.Subnet,
                    ...(config.Gateway === undefined || config.Gateway === ''
                      ? {}
                      : { gateway: config.Gateway }),
                  },
                ],
          ),
          origin,
          ...(origin === 'nova' && project !== undefined ? { project } : {}),
          containers: [...names].sort(),
          ...(network.Created === undefined || network.Created.startsWith('0001-01-01')
            ? {}
            : { createdAt: network.Created }),
        };
      });
    } catch (err) {
      throw engineError(this.engine, `list the networks of ${this.engine}`, err);
    }
  }

  async createNetwork(spec: NewEngineNetwork): Promise<void> {
    try {
      await this.#quick.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        Internal: spec.internal,
        CheckDuplicate: true,
        Labels: novaLabels(spec.ownership, spec.labels),
        ...(spec.subnet === undefined
          ? {}
          : {
              IPAM: {
                Driver: 'default',
                Config: [
                  { Subnet: spec.subnet, ...(spec.gateway === undefined ? {} : { Gateway: spec.gateway }) },
                ],
              },
            }),
      });
    } catch (err) {
      if (statusOf(err) === 409)
        throw new NovaError('conflict', `${this.engine} has a network named "${spec.name}" already`);
      throw engineError(this.engine, `create network ${spec.name}`, err);
    }
  }

  async removeNetwork(target: EngineObjectTarget): Promise<void> {
    const { name } = target;
    if (SYSTEM_NETWORKS.has(name))
      throw new NovaError('conflict', `network ${name} is ${this.engine}'s own, and Nova does not remove it`);
    try {
      const info = (await this.#quick.getNetwork(name).inspect()) as {
        Labels?: Record<string, string> | null;
      };
      checkOwnership('network', name, target, {
        nova: info.Labels?.[NOVA_MANAGED_LABEL] === 'true',
        project: info.Labels?.[NOVA_PROJECT_LABEL],
      });
      await this.#quick.getNetwork(name).remove();
    } catch (err) {
      if (statusOf(err) === 404) throw new NovaError('not-found', `${this.engine} has no network "${name}"`);
      if (statusOf(err) === 409 || /in use|active endpoints/i.test(reasonOf(err)))
        throw new NovaError(
          'conflict',
          `network ${name} is in use: ${reasonOf(err)}`,
          'Remove or disconnect its containers first.',
        );
      throw engineError(this.engine, `remove network ${name}`, err);
    }
  }

  async listVolumes(): Promise<EngineVolumeSummary[]> {
    try {
      const reply = (await this.#quick.listVolumes()) as {
        Volumes?:
          | {
              Name: string;
              Driver?: string;
              Mountpoint?: string;
              CreatedAt?: string;
              Labels?: Record<string, string> | null;
            }[]
          | null;
      };
      return (reply.Volumes ?? []).map((volume) => {
        const nova = volume.Labels?.[NOVA_MANAGED_LABEL] === 'true';
        const project = volume.Labels?.[NOVA_PROJECT_LABEL];
        return {
          engine: this.engine,
          name: volume.Name,
          driver: volume.Driver ?? 'local',
          mountpoint: volume.Mountpoint ?? '',
          ...(volume.CreatedAt === undefined ? {} : { createdAt: volume.CreatedAt }),
          origin: nova ? ('nova' as const) : ('external' as const),
          ...(nova && project !== undefined ? { project } : {}),
        };
      });
    } catch (err) {
      throw engineError(this.engine, `list the volumes of ${this.engine}`, err);
    }
  }

  async createVolume(spec: NewEngineVolume): Promise<void> {
    try {
      const existing = await this.#quick
        .getVolume(spec.name)
        .inspect()
        .then(
          () => true,
          (err: unknown) => {
            if (statusOf(err) === 404) return false;
            throw err;
          },
        );
      // Docker answers "created" for a name it has already; Nova says it is taken.
      if (existing)
        throw new NovaError('conflict', `${this.engine} has a volume named "${spec.name}" already`);
      await this.#quick.createVolume({ Name: spec.name, Labels: novaLabels(spec.ownership, spec.labels) });
    } catch (err) {
      throw engineError(this.engine, `create volume ${spec.name}`, err);
    }
  }

  async removeVolume(target: EngineObjectTarget, options: { force?: boolean } = {}): Promise<void> {
    const { name } = target;
    try {
      const info = (await this.#quick.getVolume(name).inspect()) as {
        Labels?: Record<string, string> | null;
      };
      checkOwnership('volume', name, target, {
        nova: info.Labels?.[NOVA_MANAGED_LABEL] === 'true',
        project: info.Labels?.[NOVA_PROJECT_LABEL],
      });
      await this.#quick.getVolume(name).remove({ force: options.force === true });
    } catch (err) {
      if (statusOf(err) === 404) throw new NovaError('not-found', `${this.engine} has no volume "${name}"`);
      if (statusOf(err) === 409)
        throw new NovaError(
          'conflict',
          `volume ${name} is in use: ${reasonOf(err)}`,
          'Remove the containers that use it first.',
        );
      throw engineError(this.engine, `remove volume ${name}`, err);
    }
  }

  watch(watcher: EngineWatcher): () => void {
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
      watcher.status({ engine: this.engine, status: ok ? 'available' : 'unavailable', detail });
    };
    const connect = async () => {
      if (isStopped()) return;
      try {
        const stream = (await this.#slow.getEvents({
          filters: { type: ['container', 'network'] },
        })) as unknown as Readable;
        if (isStopped()) {
          stream.destroy();
          return;
        }
        current = stream;
        delay = 250;
        report(true, `${this.engine} answers at ${this.endpoint}`);
        await forEachJsonLine(stream, (value) => {
          const event = containerEventOf(this.engine, value);
          if (event !== undefined) {
            watcher.event(event);
            return;
          }
          const change = networkEventOf(this.engine, value);
          if (change !== undefined) watcher.network?.(change);
        });
        if (!isStopped()) report(false, `${this.engine}'s event stream at ${this.endpoint} ended`);
      } catch (err) {
        if (!isStopped()) report(false, engineError(this.engine, 'follow events', err).message);
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
}

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
