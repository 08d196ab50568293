// A double of a container engine for the command-line tests: it keeps containers, images, networks and
// volumes in memory, records each call, and refuses changes to what Nova did not create as the real
// adapter does. The integration suite (e2e/integration/cli-container.test.ts) runs the same commands
// against Docker and Podman.
import type {
  ContainerDetails,
  ContainerStats,
  ContainerSummary,
  ContainerTarget,
  EngineName,
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
  SourceStatus,
} from '@nova/core';
import { NovaError } from '@nova/core';
import {
  checkOwnership,
  type ContainerEngine,
  ContainerManager,
  type EngineWatcher,
  type NovaServices,
} from '@nova/core/node';

import { type Io, runNova } from '../src/program.js';

export interface EngineCall {
  method: string;
  args: unknown[];
}

export function container(
  name: string,
  state: ContainerSummary['state'] = 'running',
  origin: ContainerSummary['origin'] = 'nova',
): ContainerSummary {
  const hex = Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64);
  return { containerId: hex, name, state, origin, image: 'busybox:latest' };
}

export class FakeEngine implements ContainerEngine {
  readonly via = 'direct' as const;
  readonly endpoint: string;
  readonly calls: EngineCall[] = [];
  images: ImageSummary[] = [];
  networks: EngineNetworkSummary[] = [];
  volumes: EngineVolumeSummary[] = [];
  logs: LogEntry[] = [];
  stats: ContainerStats[] = [];
  execResult: ExecResult = { exitCode: 0, stdout: '', stderr: '', truncated: false };
  progress: ImageProgress[] = [];
  /** Errors to throw from a method instead of answering. */
  failures: Partial<Record<keyof ContainerEngine, NovaError>> = {};

  constructor(
    readonly engine: EngineName,
    public containers: ContainerSummary[] = [],
  ) {
    this.endpoint = `unix:///fake/${engine}.sock`;
  }

  #call(method: keyof ContainerEngine, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const failure = this.failures[method];
    if (failure !== undefined) throw failure;
  }

  /** The calls, without the lookups every command makes first. */
  changes(): EngineCall[] {
    return this.calls.filter(
      (call) =>
        !['listContainers', 'inspectContainer', 'listImages', 'listNetworks', 'listVolumes'].includes(
          call.method,
        ),
    );
  }

  #find(ref: string): ContainerSummary {
    const found = this.containers.find((c) => c.name === ref || c.containerId.startsWith(ref));
    if (found === undefined) throw new NovaError('not-found', `${this.engine} has no container "${ref}"`);
    return found;
  }

  #owned(target: ContainerTarget): ContainerSummary {
    const found = this.#find(target.container);
    checkOwnership('container', target.container, target, {
      nova: found.origin === 'nova',
      project: found.project,
    });
    return found;
  }

  listContainers(): Promise<ContainerSummary[]> {
    this.#call('listContainers');
    return Promise.resolve(this.containers);
  }

  inspectContainer(ref: string): Promise<ContainerDetails> {
    this.#call('inspectContainer', ref);
    const found = this.#find(ref);
    return Promise.resolve({
      engine: this.engine,
      id: found.containerId,
      name: found.name,
      image: found.image,
      imageId: `sha256:${'ab'.repeat(32)}`,
      state: found.state,
      status: found.state === 'stopped' ? 'exited' : found.state,
      origin: found.origin,
      ...(found.project === undefined ? {} : { project: found.project }),
      createdAt: '2025-03-01T10:00:00Z',
      restartCount: 0,
      command: ['sleep', '3600'],
      env: [],
      ports: [],
      mounts: [],
      networks: [],
      restartPolicy: { name: 'no', maxRetries: 0 },
      labels: {},
    });
  }

  createContainer(spec: NewContainer): Promise<string> {
    this.#call('createContainer', spec);
    const created = container(spec.name, 'stopped');
    this.containers.push(created);
    return Promise.resolve(created.containerId);
  }

  #set(target: ContainerTarget, state: ContainerSummary['state']): void {
    this.#owned(target).state = state;
  }

  startContainer(target: ContainerTarget): Promise<void> {
    this.#call('startContainer', target);
    this.#set(target, 'running');
    return Promise.resolve();
  }

  stopContainer(target: ContainerTarget, options?: { timeoutSeconds?: number }): Promise<void> {
    this.#call('stopContainer', target, options);
    this.#set(target, 'stopped');
    return Promise.resolve();
  }

  restartContainer(target: ContainerTarget, options?: { timeoutSeconds?: number }): Promise<void> {
    this.#call('restartContainer', target, options);
    this.#set(target, 'running');
    return Promise.resolve();
  }

  pauseContainer(target: ContainerTarget): Promise<void> {
    this.#call('pauseContainer', target);
    this.#set(target, 'paused');
    return Promise.resolve();
  }

  resumeContainer(target: ContainerTarget): Promise<void> {
    this.#call('resumeContainer', target);
    this.#set(target, 'running');
    return Promise.resolve();
  }

  removeContainer(target: ContainerTarget, options?: { force?: boolean; volumes?: boolean }): Promise<void> {
    this.#call('removeContainer', target, options);
    const found = this.#owned(target);
    this.containers = this.containers.filter((c) => c !== found);
    return Promise.resolve();
  }

  containerLogs(ref: string, options?: LogOptions): Promise<LogEntry[]> {
    this.#call('containerLogs', ref, options);
    return Promise.resolve(this.logs);
  }

  /** Sends the lines, then ends as when the container stops. */
  followLogs(
    ref: string,
    options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
    onEntry: (entry: LogEntry) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.#call('followLogs', ref, options, signal.aborted);
    for (const entry of this.logs) onEntry(entry);
    return Promise.resolve();
  }

  containerStats(refs?: string[]): Promise<ContainerStats[]> {
    this.#call('containerStats', refs);
    return Promise.resolve(this.stats);
  }

  /** Sends the samples, then waits for the abort (Ctrl-C). */
  streamStats(onSample: (sample: ContainerStats) => void, signal: AbortSignal): Promise<void> {
    this.#call('streamStats');
    for (const sample of this.stats) onSample(sample);
    return new Promise((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  exec(target: ContainerTarget, request: ExecRequest): Promise<ExecResult> {
    this.#call('exec', target, request);
    this.#owned(target);
    return Promise.resolve(this.execResult);
  }

  listImages(): Promise<ImageSummary[]> {
    this.#call('listImages');
    return Promise.resolve(this.images);
  }

  pullImage(reference: string, onProgress?: (progress: ImageProgress) => void): Promise<void> {
    this.#call('pullImage', reference);
    for (const step of this.progress) onProgress?.(step);
    return Promise.resolve();
  }

  importImage(
    path: string,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    this.#call('importImage', path, options);
    for (const step of this.progress) onProgress?.(step);
    return Promise.resolve([options.reference ?? 'busybox:latest']);
  }

  removeImage(reference: string, options?: { force?: boolean }): Promise<void> {
    this.#call('removeImage', reference, options);
    return Promise.resolve();
  }

  listNetworks(): Promise<EngineNetworkSummary[]> {
    this.#call('listNetworks');
    return Promise.resolve(this.networks);
  }

  createNetwork(spec: NewEngineNetwork): Promise<void> {
    this.#call('createNetwork', spec);
    return Promise.resolve();
  }

  removeNetwork(target: EngineObjectTarget): Promise<void> {
    this.#call('removeNetwork', target);
    const found = this.networks.find((n) => n.name === target.name);
    checkOwnership('network', target.name, target, {
      nova: found?.origin === 'nova',
      project: found?.project,
    });
    return Promise.resolve();
  }

  listVolumes(): Promise<EngineVolumeSummary[]> {
    this.#call('listVolumes');
    return Promise.resolve(this.volumes);
  }

  createVolume(spec: NewEngineVolume): Promise<void> {
    this.#call('createVolume', spec);
    return Promise.resolve();
  }

  removeVolume(target: EngineObjectTarget, options?: { force?: boolean }): Promise<void> {
    this.#call('removeVolume', target, options);
    const found = this.volumes.find((v) => v.name === target.name);
    checkOwnership('volume', target.name, target, {
      nova: found?.origin === 'nova',
      project: found?.project,
    });
    return Promise.resolve();
  }

  watch(watcher: EngineWatcher): () => void {
    watcher.status({ engine: this.engine, status: 'available', detail: 'a double' });
    return () => undefined;
  }
}

export interface EngineRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `nova ARGS` with these engines reachable (in Nova's order) and these problems for the others;
 * `preferred` stands for NOVA_ENGINE.
 */
export async function novaWith(
  args: string[],
  engines: FakeEngine[],
  options: { problems?: SourceStatus[]; preferred?: EngineName; onOut?: (text: string) => void } = {},
): Promise<EngineRun> {
  const problems = options.problems ?? [];
  const manager = new ContainerManager(
    { engines: () => Promise.resolve({ engines, problems, all: [...engines, ...problems] }) },
    options.preferred,
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = {
    out: (text) => {
      stdout.push(text);
      options.onOut?.(text);
    },
    err: (text) => stderr.push(text),
  };
  const services = () => ({ containers: manager, close: () => undefined }) as unknown as NovaServices;
  const code = await runNova(args, services, io, undefined);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
