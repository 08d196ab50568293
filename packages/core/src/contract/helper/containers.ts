// The helper's methods for the root-owned container engines (Docker's and Podman's system sockets):
// containers, images, and the engines' networks and volumes.
import { z } from 'zod';

import {
  ContainerDetails,
  ContainerRef,
  ContainerStats,
  ContainerTarget,
  EngineNetworkSummary,
  EngineObjectName,
  EngineObjectTarget,
  EngineVolumeSummary,
  ExecRequest,
  ExecResult,
  ImageRef,
  ImageSummary,
  LogEntry,
  LogOptions,
  NewContainer,
  NewEngineNetwork,
  NewEngineVolume,
} from '../container-types.js';
import { ContainerSummary, RelayedEngine } from '../helper-types.js';
import { AbsolutePath } from '../specs.js';
import { Empty } from './inputs.js';
import { helperMethod } from './method.js';

/** ContainerLogs returns at most this many lines, the newest. */
export const HELPER_MAX_LOG_LINES = 10_000;

/** A stop or restart waits for the container's stop timeout (10 s unless it names one), and a minute more. */
const afterStopTimeout = ({ timeoutSeconds }: { timeoutSeconds?: number | undefined }) =>
  ((timeoutSeconds ?? 10) + 60) * 1000;

/** Containers: listing, details, load and logs, and every change to one. */
export const containerMethods = {
  ListContainers: helperMethod({
    action: 'dev.nova.container.read',
    summary: 'Every container of a root-owned engine (Docker or Podman)',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ endpoint: z.string(), containers: z.array(ContainerSummary) }),
  }),
  InspectContainer: helperMethod({
    action: 'dev.nova.container.read',
    summary: 'One container in detail; environment values are left out (KEY=…)',
    input: z.object({ engine: RelayedEngine, container: ContainerRef }).strict(),
    output: ContainerDetails,
  }),
  ContainerStats: helperMethod({
    action: 'dev.nova.container.read',
    summary: 'One load sample for each of these containers, or for every running one',
    input: z
      .object({ engine: RelayedEngine, containers: z.array(ContainerRef).max(1024).optional() })
      .strict(),
    output: z.object({ stats: z.array(ContainerStats) }),
  }),
  ContainerLogs: helperMethod({
    action: 'dev.nova.container.logs',
    summary: `A container’s log lines (at most ${HELPER_MAX_LOG_LINES} of the newest)`,
    input: z.object({ engine: RelayedEngine, container: ContainerRef, options: LogOptions }).strict(),
    output: z.object({ entries: z.array(LogEntry), truncated: z.boolean() }),
  }),
  CreateContainer: helperMethod({
    action: 'dev.nova.container.create',
    summary:
      'Create a container with Nova’s labels; bind mounts must be folders or files the caller owns (or the caller is root)',
    input: z.object({ engine: RelayedEngine, spec: NewContainer }).strict(),
    output: z.object({ id: z.string() }),
  }),
  StartContainer: helperMethod({
    action: 'dev.nova.container.start',
    summary: 'Start (or unpause) a container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  }),
  StopContainer: helperMethod({
    action: 'dev.nova.container.stop',
    summary: 'Stop a container: SIGTERM, then SIGKILL after timeoutSeconds (10 by default)',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        timeoutSeconds: z.number().int().min(0).max(600).optional(),
      })
      .strict(),
    output: Empty,
    timeoutMs: afterStopTimeout,
  }),
  RestartContainer: helperMethod({
    action: 'dev.nova.container.restart',
    summary: 'Restart a container',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        timeoutSeconds: z.number().int().min(0).max(600).optional(),
      })
      .strict(),
    output: Empty,
    timeoutMs: afterStopTimeout,
  }),
  PauseContainer: helperMethod({
    action: 'dev.nova.container.pause',
    summary: 'Freeze a running container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  }),
  ResumeContainer: helperMethod({
    action: 'dev.nova.container.resume',
    summary: 'Unfreeze a paused container',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape }).strict(),
    output: Empty,
  }),
  RemoveContainer: helperMethod({
    action: 'dev.nova.container.delete',
    summary: 'Remove a container (force: even a running one; volumes: with its anonymous volumes)',
    input: z
      .object({
        engine: RelayedEngine,
        ...ContainerTarget.shape,
        force: z.boolean().default(false),
        volumes: z.boolean().default(false),
      })
      .strict(),
    output: Empty,
  }),
  ExecContainer: helperMethod({
    action: 'dev.nova.container.exec',
    summary: 'Run a one-off command in a running container and return its exit code and output',
    input: z.object({ engine: RelayedEngine, ...ContainerTarget.shape, request: ExecRequest }).strict(),
    output: ExecResult,
    /** The command’s own timeout (60 s unless it names one), and a minute more. */
    timeoutMs: ({ request }) => (request.timeoutMs ?? 60_000) + 60_000,
  }),
};

/** Images: listing, pulling, importing and removing them. */
export const imageMethods = {
  ListImages: helperMethod({
    action: 'dev.nova.image.read',
    summary: 'Every image of a root-owned engine',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ images: z.array(ImageSummary) }),
  }),
  PullImage: helperMethod({
    action: 'dev.nova.image.pull',
    summary: 'Pull an image; progress comes to the caller as ImageProgress signals',
    input: z.object({ engine: RelayedEngine, reference: ImageRef }).strict(),
    output: Empty,
    timeoutMs: 60 * 60_000,
  }),
  ImportImage: helperMethod({
    action: 'dev.nova.image.import',
    summary:
      'Import an image archive (docker save) or a root file system tarball; the file is read with the caller’s own rights',
    input: z
      .object({
        engine: RelayedEngine,
        path: AbsolutePath,
        kind: z.enum(['archive', 'rootfs']),
        reference: ImageRef.optional(),
      })
      .strict(),
    output: z.object({ names: z.array(z.string()) }),
    timeoutMs: 60 * 60_000,
  }),
  RemoveImage: helperMethod({
    action: 'dev.nova.image.delete',
    summary: 'Remove an image (force: even one containers use)',
    input: z
      .object({ engine: RelayedEngine, reference: ImageRef, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  }),
};

/** The engines' own networks and volumes, and which networks a container is on. */
export const engineObjectMethods = {
  ListEngineNetworks: helperMethod({
    action: 'dev.nova.engine-network.read',
    summary: 'Every network of a root-owned engine, with its origin and containers',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ networks: z.array(EngineNetworkSummary) }),
  }),
  CreateEngineNetwork: helperMethod({
    action: 'dev.nova.engine-network.create',
    summary: 'Create a bridge network in a root-owned engine, with Nova’s labels',
    input: z.object({ engine: RelayedEngine, spec: NewEngineNetwork }).strict(),
    output: Empty,
  }),
  RemoveEngineNetwork: helperMethod({
    action: 'dev.nova.engine-network.delete',
    summary: 'Remove a network Nova created (or another, with foreign); never the engine’s own',
    input: z.object({ engine: RelayedEngine, ...EngineObjectTarget.shape }).strict(),
    output: Empty,
  }),
  ConnectContainerNetwork: helperMethod({
    action: 'dev.nova.container.network-connect',
    summary:
      'Connect a container Nova created (or another, with foreign) to a network of the same engine; the network may be any of that engine’s',
    input: z.object({ engine: RelayedEngine, network: EngineObjectName, ...ContainerTarget.shape }).strict(),
    output: Empty,
  }),
  DisconnectContainerNetwork: helperMethod({
    action: 'dev.nova.container.network-disconnect',
    summary:
      'Disconnect a container Nova created (or another, with foreign) from a network of the same engine',
    input: z.object({ engine: RelayedEngine, network: EngineObjectName, ...ContainerTarget.shape }).strict(),
    output: Empty,
  }),
  ListEngineVolumes: helperMethod({
    action: 'dev.nova.engine-network.read',
    summary: 'Every volume of a root-owned engine, with its origin',
    input: z.object({ engine: RelayedEngine }).strict(),
    output: z.object({ volumes: z.array(EngineVolumeSummary) }),
  }),
  CreateEngineVolume: helperMethod({
    action: 'dev.nova.engine-volume.create',
    summary: 'Create a volume in a root-owned engine, with Nova’s labels',
    input: z.object({ engine: RelayedEngine, spec: NewEngineVolume }).strict(),
    output: Empty,
  }),
  RemoveEngineVolume: helperMethod({
    action: 'dev.nova.engine-volume.delete',
    summary: 'Remove a volume Nova created (or another, with foreign)',
    input: z
      .object({ engine: RelayedEngine, ...EngineObjectTarget.shape, force: z.boolean().default(false) })
      .strict(),
    output: Empty,
  }),
};
