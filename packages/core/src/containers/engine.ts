import type {
  ContainerDetails,
  ContainerEvent,
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

/** How an engine's event stream is doing: consumers resynchronize when it comes back. */
export interface EngineWatchStatus {
  engine: EngineName;
  status: 'available' | 'unavailable';
  detail: string;
}

/** An engine's network was created or removed, or a container was connected to it or disconnected. */
export interface EngineNetworkEvent {
  engine: EngineName;
  /** The network's name (its id when the engine did not say). */
  network: string;
  action: string;
}

export interface EngineWatcher {
  event(event: ContainerEvent): void;
  status(status: EngineWatchStatus): void;
  /** Networks changed: engines reached directly report it (the helper relays container events only). */
  network?(event: EngineNetworkEvent): void;
}

/**
 * One container engine (Bolt, Docker or Podman), reached directly through its Docker-compatible API or
 * through the privileged helper for a root-owned socket. Every method fails with a NovaError:
 * `not-found` for an unknown container or image, `conflict` where the engine refuses because of the
 * current state (a name taken, an image in use), `backend-unavailable` when the engine does not answer.
 */
export interface ContainerEngine {
  readonly engine: EngineName;
  /** Where it is: unix:///… or tcp://…. */
  readonly endpoint: string;
  readonly via: 'direct' | 'helper';

  listContainers(): Promise<ContainerSummary[]>;
  inspectContainer(ref: string): Promise<ContainerDetails>;
  /** Creates (pulling the image when it is missing) and returns the new container's id. */
  createContainer(spec: NewContainer): Promise<string>;
  // Changes: each checks first that the container is Nova's (or that the target says `foreign`).
  startContainer(target: ContainerTarget): Promise<void>;
  /** Asks the main process to stop, and kills it after `timeoutSeconds` (10 by default). */
  stopContainer(target: ContainerTarget, options?: { timeoutSeconds?: number }): Promise<void>;
  restartContainer(target: ContainerTarget, options?: { timeoutSeconds?: number }): Promise<void>;
  pauseContainer(target: ContainerTarget): Promise<void>;
  resumeContainer(target: ContainerTarget): Promise<void>;
  /** `force` removes a running container; `volumes` also removes its anonymous volumes. */
  removeContainer(target: ContainerTarget, options?: { force?: boolean; volumes?: boolean }): Promise<void>;

  containerLogs(ref: string, options?: LogOptions): Promise<LogEntry[]>;
  /**
   * Calls `onEntry` for each new log line until the container stops or `signal` aborts; resolves then.
   * `tail` lines from before (only those after `since`, when given) are sent first.
   */
  followLogs(
    ref: string,
    options: Pick<LogOptions, 'tail' | 'since' | 'timestamps'>,
    onEntry: (entry: LogEntry) => void,
    signal: AbortSignal,
  ): Promise<void>;
  /** One sample for each of these containers (all running ones when absent). */
  containerStats(refs?: string[]): Promise<ContainerStats[]>;
  /**
   * Live samples of every running container, about once a second each, until `signal` aborts.
   * Containers that start later are picked up; stopped ones drop out.
   */
  streamStats(onSample: (sample: ContainerStats) => void, signal: AbortSignal): Promise<void>;
  exec(target: ContainerTarget, request: ExecRequest): Promise<ExecResult>;

  listImages(): Promise<ImageSummary[]>;
  pullImage(reference: string, onProgress?: (progress: ImageProgress) => void): Promise<void>;
  /**
   * Imports a tarball: an image archive (`docker save`, OCI layout) keeps its own names; a root
   * filesystem needs `reference` for its name. Returns the image's names (or its id).
   */
  importImage(
    path: string,
    options: { reference?: string },
    onProgress?: (progress: ImageProgress) => void,
  ): Promise<string[]>;
  removeImage(reference: string, options?: { force?: boolean }): Promise<void>;

  listNetworks(): Promise<EngineNetworkSummary[]>;
  createNetwork(spec: NewEngineNetwork): Promise<void>;
  /** The engine's own networks (bridge, host, none, podman) are never removed. */
  removeNetwork(target: EngineObjectTarget): Promise<void>;
  listVolumes(): Promise<EngineVolumeSummary[]>;
  createVolume(spec: NewEngineVolume): Promise<void>;
  removeVolume(target: EngineObjectTarget, options?: { force?: boolean }): Promise<void>;

  /** Follows the engine's container events until the returned function is called; reconnects by itself. */
  watch(watcher: EngineWatcher): () => void;
}

/** Docker's and Podman's container event actions that change what Nova shows. */
const INTERESTING_ACTIONS = new Set([
  'create',
  'start',
  'restart',
  'die',
  'died',
  'stop',
  'kill',
  'oom',
  'pause',
  'unpause',
  'destroy',
  'remove',
  'rename',
  'update',
]);

export function isInterestingAction(action: string): boolean {
  return INTERESTING_ACTIONS.has(action);
}

/** The state an event's action leaves a container in, when the action alone says it. */
export function stateAfterAction(action: string): ContainerEvent['state'] {
  switch (action) {
    case 'start':
    case 'restart':
    case 'unpause':
      return 'running';
    case 'die':
    case 'died':
    case 'stop':
    case 'create':
      return 'stopped';
    case 'pause':
      return 'paused';
    default:
      return undefined;
  }
}

/**
 * Nova changes what it created; with a project, only that project's; something else only when the
 * user said so (`foreign`).
 */
export function checkOwnership(
  what: string,
  name: string,
  target: { project?: string | undefined; foreign?: boolean | undefined },
  owner: { nova: boolean; project?: string | undefined },
): void {
  if (!owner.nova) {
    if (target.foreign === true && target.project === undefined) return;
    throw new NovaError(
      'conflict',
      `${what} "${name}" was not created by Nova, and Nova changes only what it created`,
      target.project === undefined
        ? 'Say that you mean it (nova … --foreign), or use the engine’s own tools.'
        : 'Rename it in your NovaFile, or remove the other one yourself.',
    );
  }
  if (target.project !== undefined && owner.project !== target.project) {
    throw new NovaError(
      'conflict',
      `${what} "${name}" belongs to Nova project "${owner.project ?? '(none)'}", not to "${target.project}"`,
    );
  }
}
