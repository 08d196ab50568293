// A container engine reached through its Docker-compatible API with dockerode: Docker, Podman's API
// service and Bolt speak the same dialect (API 1.41), so one adapter serves all three. The containers'
// own life cycle is here; images, networks, volumes, logs, statistics, exec and events each have a
// file of their own, which this class puts together behind the ContainerEngine interface.
import Docker from 'dockerode';

import type {
  ContainerDetails,
  ContainerStats,
  ContainerTarget,
  EngineNetworkSummary,
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
import type { ContainerSummary } from '../contract/helper/index.js';
import type { EngineName } from '../model/instance.js';
import { containerSummaryFromEngine, type EngineContainerInfo } from './container-model.js';
import type { DockerClients } from './docker-client.js';
import { engineError, reasonOf, statusOf } from './docker-errors.js';
import { watchEvents } from './docker-events.js';
import { execInContainer } from './docker-exec.js';
import * as images from './docker-images.js';
import { detailsFromEngine, inspectRaw, ownedContainer, type RawInspect } from './docker-inspect.js';
import { novaLabels, recordedSpec } from './docker-labels.js';
import * as logs from './docker-logs.js';
import * as networks from './docker-networks.js';
import * as stats from './docker-stats.js';
import * as volumes from './docker-volumes.js';
import type { ContainerEngine, EngineWatcher } from './engine.js';
import type { EngineEndpoint } from './engines.js';
import type { TarballKind } from './tarball.js';

// What the parts export for other modules, from where they have always found it.
export { engineError, reasonOf, statusOf } from './docker-errors.js';
export { containerEventOf, networkEventOf } from './docker-events.js';
export { EXEC_OUTPUT_LIMIT } from './docker-exec.js';
export { pullError, splitReference } from './docker-images.js';
export { detailsFromEngine } from './docker-inspect.js';
export { novaLabels, recordedSpec } from './docker-labels.js';
export { LogLines } from './docker-logs.js';
export { statsFromEngine } from './docker-stats.js';
export { forEachJsonLine } from './docker-streams.js';

export class DockerEngine implements ContainerEngine {
  readonly via = 'direct' as const;
  readonly engine: EngineName;
  readonly endpoint: string;
  readonly #docker: DockerClients;

  constructor(endpointOf: EngineEndpoint) {
    this.engine = endpointOf.engine;
    this.endpoint = endpointOf.label;
    const base =
      endpointOf.kind === 'unix'
        ? { socketPath: endpointOf.socketPath }
        : { host: endpointOf.host, port: endpointOf.port, protocol: 'http' as const };
    this.#docker = {
      engine: this.engine,
      endpoint: this.endpoint,
      quick: new Docker({ ...base, timeout: 30_000 }),
      slow: new Docker({ ...base }),
    };
  }

  /** The dockerode client, for what the engine interface does not cover. */
  get client(): Docker {
    return this.#docker.quick;
  }

  async listContainers(): Promise<ContainerSummary[]> {
    try {
      const infos = (await this.#docker.quick.listContainers({ all: true })) as EngineContainerInfo[];
      return infos.map(containerSummaryFromEngine);
    } catch (err) {
      throw engineError(this.engine, `list the containers of ${this.engine} at ${this.endpoint}`, err);
    }
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    return detailsFromEngine(this.engine, await inspectRaw(this.#docker, ref));
  }

  async #ensureImage(image: string): Promise<void> {
    try {
      await this.#docker.quick.getImage(image).inspect();
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
      const container = await this.#docker.quick.createContainer({
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

  async #lifecycle(
    target: ContainerTarget,
    verb: string,
    run: (container: Docker.Container, raw: RawInspect) => Promise<unknown>,
  ): Promise<void> {
    const raw = await ownedContainer(this.#docker, target);
    try {
      await run(this.#docker.slow.getContainer(raw.Id), raw);
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
    const raw = await ownedContainer(this.#docker, target);
    try {
      const container = this.#docker.slow.getContainer(raw.Id);
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

  containerLogs(ref: string, options: LogOptions = {}): Promise<LogEntry[]> {
    return logs.containerLogs(this.#docker, ref, options);
  }

  followLogs(
    ref: string,
    options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
    onEntry: (entry: LogEntry) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return logs.followLogs(this.#docker, ref, options, onEntry, signal);
  }

  containerStats(refs?: string[]): Promise<ContainerStats[]> {
    return stats.containerStats(this.#docker, refs);
  }

  streamStats(onSample: (sample: ContainerStats) => void, signal: AbortSignal): Promise<void> {
    return stats.streamStats(this.#docker, onSample, signal);
  }

  exec(target: ContainerTarget, request: ExecRequest): Promise<ExecResult> {
    return execInContainer(this.#docker, target, request);
  }

  listImages(): Promise<ImageSummary[]> {
    return images.listImages(this.#docker);
  }

  pullImage(reference: string, onProgress?: (progress: ImageProgress) => void): Promise<void> {
    return images.pullImage(this.#docker, reference, onProgress);
  }

  importImage(
    path: string,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    return images.importImage(this.#docker, path, options, onProgress);
  }

  /** Imports from a stream the caller opens: the helper opens it with its caller's rights. */
  importImageFrom(
    kind: TarballKind,
    open: () => NodeJS.ReadableStream,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    return images.importImageFrom(this.#docker, kind, open, options, onProgress);
  }

  removeImage(reference: string, options: { force?: boolean } = {}): Promise<void> {
    return images.removeImage(this.#docker, reference, options);
  }

  listNetworks(): Promise<EngineNetworkSummary[]> {
    return networks.listNetworks(this.#docker);
  }

  createNetwork(spec: NewEngineNetwork): Promise<void> {
    return networks.createNetwork(this.#docker, spec);
  }

  removeNetwork(target: EngineObjectTarget): Promise<void> {
    return networks.removeNetwork(this.#docker, target);
  }

  listVolumes(): Promise<EngineVolumeSummary[]> {
    return volumes.listVolumes(this.#docker);
  }

  createVolume(spec: NewEngineVolume): Promise<void> {
    return volumes.createVolume(this.#docker, spec);
  }

  removeVolume(target: EngineObjectTarget, options: { force?: boolean } = {}): Promise<void> {
    return volumes.removeVolume(this.#docker, target, options);
  }

  watch(watcher: EngineWatcher): () => void {
    return watchEvents(this.#docker, watcher);
  }
}
