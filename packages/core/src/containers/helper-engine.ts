// A root-owned engine (Docker's or Podman's system socket) reached through Nova's helper, for a user who
// may not open the socket: every call is one narrow helper method with its own polkit action.
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
import type { ContainerSummary, RelayedEngine } from '../contract/helper/index.js';
import type { HelperClient } from '../helper-client/helper-client.js';
import type { ContainerEngine, EngineWatcher } from './engine.js';
import { ROOT_ENGINE_SOCKETS } from './engines.js';
import { tarballKind } from './tarball.js';

/** How often a followed log is asked for new lines through the helper (it has no stream to offer). */
const FOLLOW_INTERVAL_MS = 1000;
const STATS_INTERVAL_MS = 2000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class HelperEngine implements ContainerEngine {
  readonly via = 'helper' as const;
  readonly endpoint: string;

  constructor(
    readonly engine: RelayedEngine,
    private readonly helper: () => Promise<HelperClient>,
  ) {
    this.endpoint = `unix://${ROOT_ENGINE_SOCKETS[engine]}`;
  }

  async listContainers(): Promise<ContainerSummary[]> {
    return (await (await this.helper()).call('ListContainers', { engine: this.engine })).containers;
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    return (await this.helper()).call('InspectContainer', { engine: this.engine, container: ref });
  }

  async createContainer(spec: NewContainer): Promise<string> {
    return (await (await this.helper()).call('CreateContainer', { engine: this.engine, spec })).id;
  }

  async startContainer(target: ContainerTarget): Promise<void> {
    await (await this.helper()).call('StartContainer', { engine: this.engine, ...target });
  }

  async stopContainer(target: ContainerTarget, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await (await this.helper()).call('StopContainer', { engine: this.engine, ...target, ...options });
  }

  async restartContainer(target: ContainerTarget, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await (await this.helper()).call('RestartContainer', { engine: this.engine, ...target, ...options });
  }

  async pauseContainer(target: ContainerTarget): Promise<void> {
    await (await this.helper()).call('PauseContainer', { engine: this.engine, ...target });
  }

  async resumeContainer(target: ContainerTarget): Promise<void> {
    await (await this.helper()).call('ResumeContainer', { engine: this.engine, ...target });
  }

  async removeContainer(
    target: ContainerTarget,
    options: { force?: boolean; volumes?: boolean } = {},
  ): Promise<void> {
    await (await this.helper()).call('RemoveContainer', { engine: this.engine, ...target, ...options });
  }

  async containerLogs(ref: string, options: LogOptions = {}): Promise<LogEntry[]> {
    return (
      await (await this.helper()).call('ContainerLogs', { engine: this.engine, container: ref, options })
    ).entries;
  }

  /** Through the helper there is no stream: it asks for the lines after the last one seen, each second. */
  async followLogs(
    ref: string,
    options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
    onEntry: (entry: LogEntry) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const helper = await this.helper();
    // Whole seconds: the next request asks from the second of the newest line, and the lines of that
    // second already shown (known by their nanosecond time stamp) are skipped.
    let since: number | undefined;
    let shownInSince = new Set<string>();
    while (!signal.aborted) {
      const { entries } = await helper.call('ContainerLogs', {
        engine: this.engine,
        container: ref,
        options: {
          timestamps: true,
          ...(since === undefined
            ? {
                ...(options.tail === undefined ? {} : { tail: options.tail }),
                ...(options.since === undefined ? {} : { since: options.since }),
              }
            : { since }),
        },
      });
      for (const entry of entries) {
        const key = `${entry.time ?? ''} ${entry.stream} ${entry.text}`;
        const parsed = entry.time === undefined ? Number.NaN : Date.parse(entry.time);
        const second = Number.isFinite(parsed) ? Math.floor(parsed / 1000) : undefined;
        if (second !== undefined) {
          if (since !== undefined && second <= since && shownInSince.has(key)) continue;
          if (since === undefined || second > since) {
            since = second;
            shownInSince = new Set();
          }
          shownInSince.add(key);
        }
        onEntry(options.timestamps === true ? entry : { stream: entry.stream, text: entry.text });
      }
      const state = (await helper.call('InspectContainer', { engine: this.engine, container: ref })).state;
      if (state !== 'running' && state !== 'paused' && state !== 'starting') return;
      await sleep(FOLLOW_INTERVAL_MS, signal);
    }
  }

  async containerStats(refs?: string[]): Promise<ContainerStats[]> {
    return (
      await (
        await this.helper()
      ).call('ContainerStats', {
        engine: this.engine,
        ...(refs === undefined ? {} : { containers: refs }),
      })
    ).stats;
  }

  async streamStats(onSample: (sample: ContainerStats) => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      try {
        for (const sample of await this.containerStats()) onSample(sample);
      } catch {
        // The engine or the helper went away for a moment: the next round tries again.
      }
      await sleep(Math.max(0, STATS_INTERVAL_MS - (Date.now() - started)), signal);
    }
  }

  async exec(target: ContainerTarget, request: ExecRequest): Promise<ExecResult> {
    return (await this.helper()).call('ExecContainer', { engine: this.engine, ...target, request });
  }

  async listImages(): Promise<ImageSummary[]> {
    return (await (await this.helper()).call('ListImages', { engine: this.engine })).images;
  }

  async pullImage(reference: string, onProgress?: (progress: ImageProgress) => void): Promise<void> {
    const helper = await this.helper();
    const stop =
      onProgress === undefined
        ? undefined
        : await helper.listen((signal, payload) => {
            if (signal !== 'ImageProgress') return;
            const progress = payload as { engine: string; reference: string; progress: ImageProgress };
            if (progress.engine === this.engine && progress.reference === reference)
              onProgress(progress.progress);
          });
    try {
      await helper.call('PullImage', { engine: this.engine, reference });
    } finally {
      stop?.();
    }
  }

  async importImage(
    path: string,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]> {
    // Nova looks inside with this user's rights; the helper reads the file with them too.
    const kind = await tarballKind(path);
    onProgress?.({ status: `importing ${kind === 'archive' ? 'an image archive' : 'a root file system'}` });
    const { names } = await (
      await this.helper()
    ).call('ImportImage', {
      engine: this.engine,
      path,
      kind,
      ...(options.reference === undefined ? {} : { reference: options.reference }),
    });
    return names;
  }

  async removeImage(reference: string, options: { force?: boolean } = {}): Promise<void> {
    await (await this.helper()).call('RemoveImage', { engine: this.engine, reference, ...options });
  }

  async listNetworks(): Promise<EngineNetworkSummary[]> {
    return (await (await this.helper()).call('ListEngineNetworks', { engine: this.engine })).networks;
  }

  async createNetwork(spec: NewEngineNetwork): Promise<void> {
    await (await this.helper()).call('CreateEngineNetwork', { engine: this.engine, spec });
  }

  async removeNetwork(target: EngineObjectTarget): Promise<void> {
    await (await this.helper()).call('RemoveEngineNetwork', { engine: this.engine, ...target });
  }

  /** Puts a container on one of this engine's networks (ConnectContainerNetwork, its own polkit action). */
  async connectNetwork(network: string, target: ContainerTarget): Promise<void> {
    await (await this.helper()).call('ConnectContainerNetwork', { engine: this.engine, network, ...target });
  }

  /** Takes a container off one of this engine's networks (DisconnectContainerNetwork). */
  async disconnectNetwork(network: string, target: ContainerTarget): Promise<void> {
    await (
      await this.helper()
    ).call('DisconnectContainerNetwork', { engine: this.engine, network, ...target });
  }

  async listVolumes(): Promise<EngineVolumeSummary[]> {
    return (await (await this.helper()).call('ListEngineVolumes', { engine: this.engine })).volumes;
  }

  async createVolume(spec: NewEngineVolume): Promise<void> {
    await (await this.helper()).call('CreateEngineVolume', { engine: this.engine, spec });
  }

  async removeVolume(target: EngineObjectTarget, options: { force?: boolean } = {}): Promise<void> {
    await (await this.helper()).call('RemoveEngineVolume', { engine: this.engine, ...target, ...options });
  }

  /** The helper follows the engine's events and signals them to subscribers (ContainerChanged). */
  watch(watcher: EngineWatcher): () => void {
    const state = { stopped: false };
    // A function, so that the checks after each await read the flag as it is then.
    const isStopped = () => state.stopped;
    let unsubscribe: (() => Promise<void>) | undefined;
    void (async () => {
      try {
        const helper = await this.helper();
        const stop = await helper.subscribe((signal, payload) => {
          if (signal === 'ContainerChanged') {
            const event = payload as Parameters<EngineWatcher['event']>[0];
            if (event.engine === this.engine) watcher.event(event);
          } else if (signal === 'BackendChanged') {
            const change = payload as {
              backend: string;
              status: 'available' | 'unavailable';
              detail: string;
            };
            // Without polkit the helper relays nothing: the engine is as unreachable as if it were down.
            if (change.backend === this.engine || change.backend === 'polkit')
              watcher.status({ engine: this.engine, status: change.status, detail: change.detail });
          }
        });
        if (isStopped()) await stop();
        else {
          unsubscribe = stop;
          watcher.status({
            engine: this.engine,
            status: 'available',
            detail: `${this.engine} through Nova's helper`,
          });
        }
      } catch (err) {
        watcher.status({
          engine: this.engine,
          status: 'unavailable',
          detail: err instanceof Error ? err.message : String(err),
        });
      }
    })();
    return () => {
      state.stopped = true;
      void unsubscribe?.();
    };
  }
}
