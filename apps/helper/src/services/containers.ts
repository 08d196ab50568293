// Containers, images, networks and volumes of the root-owned engines (Docker's and Podman's system
// sockets), for users who may not open those sockets themselves. The helper is root there, so it
// checks what root would otherwise lend: bind mounts must be the caller's own, files are read with the
// caller's rights, and environment values stay hidden from reads that need no password. Nova changes
// only what it created (DockerEngine checks the labels) unless the caller says `foreign`.
import { lstat, realpath } from 'node:fs/promises';

import {
  HELPER_MAX_LOG_LINES,
  type HelperSignalPayload,
  type LogEntry,
  type NewContainer,
  NovaError,
  type RelayedEngine,
} from '@nova/core';
import {
  changeContainerNetwork,
  DockerEngine,
  parseEngineAddress,
  ROOT_ENGINE_SOCKETS,
} from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { ProgressThrottle } from '../progress-throttle.js';
import {
  type CallerIdentity,
  callerIdentity,
  runAsCaller,
  spawnAsCaller,
  unreachableError,
} from './caller-rights.js';
import { delay } from './context.js';

/** Log text past this many bytes is left out (oldest first): the reply must fit in one D-Bus message. */
const HELPER_MAX_LOG_BYTES = 8 * 1024 * 1024;
/** How often a pull's byte counts reach its caller, at most, for each layer. */
const PROGRESS_INTERVAL_MS = 100;
/** What Docker and Podman accept as a volume's name: never a path, which would make it a bind mount. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export type RootEngines = Readonly<Record<RelayedEngine, DockerEngine>>;

/** One engine object per root-owned socket, for the helper's whole life (its connections are reused). */
export function rootEngines(): RootEngines {
  const engine = (name: RelayedEngine) =>
    new DockerEngine(parseEngineAddress(name, `unix://${ROOT_ENGINE_SOCKETS[name]}`));
  return { docker: engine('docker'), podman: engine('podman') };
}

export interface ContainerServices {
  engines: RootEngines;
  /** Sends an ImageProgress signal to one bus name only. */
  signalTo(destination: string, payload: HelperSignalPayload<'ImageProgress'>): void;
}

type ContainerMethods = HelperGroupImplementation<'containers' | 'images' | 'engineObjects'>;

/** "KEY=value" → "KEY=…": reads need no password, and values are often secrets. */
export function redactEnv(env: string[]): string[] {
  return env.map((entry) => {
    const equals = entry.indexOf('=');
    return equals < 0 ? entry : `${entry.slice(0, equals + 1)}…`;
  });
}

/**
 * The newest lines that fit: at most `maxLines` of them and `maxBytes` of text. `truncated` says
 * whether any were left out.
 */
export function newestLogLines(
  entries: LogEntry[],
  maxLines: number,
  maxBytes: number,
): { entries: LogEntry[]; truncated: boolean } {
  let first = Math.max(0, entries.length - maxLines);
  let bytes = 0;
  for (let index = entries.length - 1; index >= first; index -= 1) {
    const entry = entries[index];
    if (entry === undefined) break;
    bytes += Buffer.byteLength(entry.text, 'utf8') + 48;
    if (bytes > maxBytes) {
      first = index + 1;
      break;
    }
  }
  return { entries: entries.slice(first), truncated: first > 0 };
}

/**
 * The spec's bind mounts, checked for this caller and with each source replaced by its real path:
 * each must exist, be reachable with the caller's own rights, and (unless the caller is root) be the
 * caller's own; `/` never. Volume mounts must name a volume, never a path.
 */
export async function checkMounts(
  mounts: NewContainer['mounts'],
  caller: CallerIdentity,
): Promise<NewContainer['mounts']> {
  // Every mount's form first, then the file system: a bad request is refused as such, whatever exists.
  for (const mount of mounts) checkMountForm(mount);
  const checked: NewContainer['mounts'] = [];
  for (const mount of mounts) {
    checked.push(
      mount.type === 'bind' ? { ...mount, source: await resolveBindSource(mount.source, caller) } : mount,
    );
  }
  return checked;
}

/** A path as a message may quote it: control characters escaped (D-Bus strings cannot hold a NUL). */
function shown(path: string): string {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return JSON.stringify(path);
  }
  return path;
}

function checkMountForm(mount: NewContainer['mounts'][number]): void {
  // Docker's bind syntax is source:target[:options]; a colon or comma would add options of its own.
  if (/[:,]/.test(mount.target)) {
    throw new NovaError(
      'invalid-input',
      `mount target ${shown(mount.target)}: a colon or comma is not allowed in a mount path`,
    );
  }
  if (mount.type === 'volume') {
    if (!VOLUME_NAME.test(mount.source)) {
      throw new NovaError(
        'invalid-input',
        `volume mount at ${shown(mount.target)}: ${JSON.stringify(mount.source)} is not a volume name`,
        'A host folder is a bind mount (type "bind"), not a volume.',
      );
    }
    return;
  }
  const what = `bind mount ${shown(mount.source)}`;
  if (
    !mount.source.startsWith('/') ||
    mount.source.split('/').some((part) => part === '.' || part === '..')
  ) {
    throw new NovaError(
      'invalid-input',
      `${what}: the source must be an absolute path without . or .. parts`,
    );
  }
  if (/[:,\0\n\r]/.test(mount.source)) {
    throw new NovaError(
      'invalid-input',
      `${what}: a colon, comma or control character is not allowed in a mount path`,
    );
  }
}

/** The real path of a bind mount's source, resolved with the caller's rights and checked for them. */
async function resolveBindSource(source: string, caller: CallerIdentity): Promise<string> {
  const what = `bind mount ${source}`;
  // Resolved with the caller's own rights: links cannot lead it where the caller could not go.
  let real: string;
  if (caller.uid === 0) {
    try {
      real = await realpath(source);
    } catch {
      throw new NovaError('not-found', `${what}: ${source} does not exist`);
    }
  } else {
    const resolved = await runAsCaller(caller, 'realpath', ['-e', '-z', '--', source]);
    if (resolved.code !== 0) throw unreachableError(what, source, resolved.stderr);
    real = resolved.stdout.toString('utf8').replace(/\0$/, '');
  }
  const through = real === source ? '' : ` (${source} leads to ${real})`;
  if (real === '/') {
    throw new NovaError(
      'not-authorized',
      `${what}: Nova does not mount the host’s root folder into a container${through}`,
    );
  }
  if (/[:,\0\n\r]/.test(real)) {
    throw new NovaError(
      'invalid-input',
      `${what}: its real path ${real} holds a colon, comma or control character, which Docker cannot mount`,
    );
  }
  if (caller.uid !== 0) {
    const owner = (await lstat(real)).uid;
    if (owner !== caller.uid) {
      throw new NovaError(
        'not-authorized',
        `${what}: ${real} belongs to uid ${owner}, not to you (uid ${caller.uid})${through}`,
        'A container of a root-owned engine runs as root: Nova mounts into it only folders and files you own.',
      );
    }
  }
  return real;
}

/** Imports a tarball read by a process of the caller's: the helper never opens the path itself. */
async function importAsCaller(
  engine: DockerEngine,
  caller: CallerIdentity,
  path: string,
  kind: 'archive' | 'rootfs',
  reference: string | undefined,
): Promise<string[]> {
  const what = 'cannot import the image';
  const type = await runAsCaller(caller, 'stat', ['-L', '--format=%F', '--', path]);
  if (type.code !== 0) throw unreachableError(what, path, type.stderr);
  const fileType = type.stdout.toString('utf8').trim();
  // A device or a pipe could stream forever; an image is a file.
  if (fileType !== 'regular file' && fileType !== 'regular empty file') {
    throw new NovaError('invalid-input', `${what}: ${path} is a ${fileType}, not a file`);
  }
  let reader: ReturnType<typeof spawnAsCaller> | undefined;
  const open = () => {
    reader = spawnAsCaller(caller, 'cat', ['--', path]);
    return reader.child.stdout;
  };
  let outcome: { names: string[] } | { error: unknown };
  try {
    outcome = {
      names: await engine.importImageFrom(kind, open, reference === undefined ? {} : { reference }),
    };
  } catch (err) {
    outcome = { error: err };
  }
  if (reader !== undefined) {
    // The engine has read to the end by now, so the reader has exited, or does in a moment.
    const code = await Promise.race([reader.exited, delay(2000).then(() => undefined)]);
    const running = code === undefined;
    if (running) {
      reader.child.kill('SIGKILL');
      await reader.exited;
    }
    // A file the caller cannot read reaches the engine empty: the read's own error is the one to tell.
    if (!running && code !== 0) throw unreachableError(what, path, reader.stderr());
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.names;
}

export function containerMethods(services: ContainerServices): ContainerMethods {
  const { engines } = services;
  const target = (input: { container: string; project?: string | undefined; foreign: boolean }) => ({
    container: input.container,
    ...(input.project === undefined ? {} : { project: input.project }),
    foreign: input.foreign,
  });
  const objectTarget = (input: { name: string; project?: string | undefined; foreign: boolean }) => ({
    name: input.name,
    ...(input.project === undefined ? {} : { project: input.project }),
    foreign: input.foreign,
  });
  const timeout = (input: { timeoutSeconds?: number | undefined }) =>
    input.timeoutSeconds === undefined ? {} : { timeoutSeconds: input.timeoutSeconds };

  return {
    ListContainers: async ({ engine }) => ({
      endpoint: engines[engine].endpoint,
      containers: await engines[engine].listContainers(),
    }),

    InspectContainer: async ({ engine, container }) => {
      const details = await engines[engine].inspectContainer(container);
      return { ...details, env: redactEnv(details.env) };
    },

    ContainerStats: async ({ engine, containers }) => ({
      stats: await engines[engine].containerStats(containers),
    }),

    ContainerLogs: async ({ engine, container, options }) => {
      const wanted = options.tail;
      // One line more than the limit tells whether there were more.
      const tail = wanted !== undefined && wanted <= HELPER_MAX_LOG_LINES ? wanted : HELPER_MAX_LOG_LINES + 1;
      const entries = await engines[engine].containerLogs(container, { ...options, tail });
      return newestLogLines(entries, HELPER_MAX_LOG_LINES, HELPER_MAX_LOG_BYTES);
    },

    CreateContainer: async ({ engine, spec }, call) => {
      const caller = await callerIdentity(call);
      const mounts = await checkMounts(spec.mounts, caller);
      return { id: await engines[engine].createContainer({ ...spec, mounts }) };
    },

    StartContainer: async (input) => {
      await engines[input.engine].startContainer(target(input));
      return {};
    },

    StopContainer: async (input) => {
      await engines[input.engine].stopContainer(target(input), timeout(input));
      return {};
    },

    RestartContainer: async (input) => {
      await engines[input.engine].restartContainer(target(input), timeout(input));
      return {};
    },

    PauseContainer: async (input) => {
      await engines[input.engine].pauseContainer(target(input));
      return {};
    },

    ResumeContainer: async (input) => {
      await engines[input.engine].resumeContainer(target(input));
      return {};
    },

    RemoveContainer: async (input) => {
      await engines[input.engine].removeContainer(target(input), {
        force: input.force,
        volumes: input.volumes,
      });
      return {};
    },

    ExecContainer: async (input) => engines[input.engine].exec(target(input), input.request),

    ListImages: async ({ engine }) => ({ images: await engines[engine].listImages() }),

    PullImage: async ({ engine, reference }, call) => {
      // Progress goes to the caller only (unicast), never to every subscriber.
      const throttle = new ProgressThrottle((progress) => {
        services.signalTo(call.sender, { engine, reference, progress });
      }, PROGRESS_INTERVAL_MS);
      try {
        await engines[engine].pullImage(reference, (progress) => {
          throttle.push(progress);
        });
      } finally {
        throttle.flush();
      }
      return {};
    },

    ImportImage: async ({ engine, path, kind, reference }, call) => {
      const caller = await callerIdentity(call);
      return { names: await importAsCaller(engines[engine], caller, path, kind, reference) };
    },

    RemoveImage: async ({ engine, reference, force }) => {
      await engines[engine].removeImage(reference, { force });
      return {};
    },

    ListEngineNetworks: async ({ engine }) => ({ networks: await engines[engine].listNetworks() }),

    CreateEngineNetwork: async ({ engine, spec }) => {
      await engines[engine].createNetwork(spec);
      return {};
    },

    RemoveEngineNetwork: async (input) => {
      await engines[input.engine].removeNetwork(objectTarget(input));
      return {};
    },

    // The container must be Nova's (or the caller says foreign): checked here, whatever the client did.
    ConnectContainerNetwork: async (input) => {
      await changeContainerNetwork(engines[input.engine], input.network, target(input), 'connect');
      return {};
    },

    DisconnectContainerNetwork: async (input) => {
      await changeContainerNetwork(engines[input.engine], input.network, target(input), 'disconnect');
      return {};
    },

    ListEngineVolumes: async ({ engine }) => ({ volumes: await engines[engine].listVolumes() }),

    CreateEngineVolume: async ({ engine, spec }) => {
      await engines[engine].createVolume(spec);
      return {};
    },

    RemoveEngineVolume: async (input) => {
      await engines[input.engine].removeVolume(objectTarget(input), { force: input.force });
      return {};
    },
  };
}
