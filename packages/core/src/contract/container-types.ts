// What Nova says about containers, images, engine networks and volumes: the same shapes whether an
// engine is reached directly (dockerode) or through the helper, so the CLI, main and the helper agree.
import { z } from 'zod';

import { EngineName, InstanceState, Origin } from '../model/instance.js';
import {
  AbsolutePath,
  ContainerSpec,
  freeText,
  IMAGE_REFERENCE,
  Ipv4Address,
  Ipv4Cidr,
  Ownership,
  ResourceName,
} from './specs.js';

/** A container's name or (short or full) id, as Docker and Podman accept them. */
export const ContainerRef = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'not a container name or id');
export type ContainerRef = z.infer<typeof ContainerRef>;

/**
 * Which container a change is for. Nova changes the containers it created; with `project`, only that
 * project's; `foreign` lets a change reach one Nova did not create, when the user says so.
 */
export const ContainerTarget = z.strictObject({
  container: ContainerRef,
  project: ResourceName.optional(),
  foreign: z.boolean().default(false),
});
export type ContainerTarget = z.input<typeof ContainerTarget>;

/** An image reference: [registry/]repository[:tag][@digest], or an image id. */
export const ImageRef = z
  .string()
  .min(1)
  .max(512)
  .regex(
    IMAGE_REFERENCE,
    'not an image reference (letters, digits and . _ / : @ - only, e.g. docker.io/library/alpine:3.20)',
  );
export type ImageRef = z.infer<typeof ImageRef>;

/** Engine networks and volumes: the names Docker and Podman accept. */
export const EngineObjectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'not a valid engine network or volume name');

/** Which engine network or volume a removal is for; the same rules as for containers. */
export const EngineObjectTarget = z.strictObject({
  name: EngineObjectName,
  project: ResourceName.optional(),
  foreign: z.boolean().default(false),
});
export type EngineObjectTarget = z.input<typeof EngineObjectTarget>;

/** A label key: reverse-DNS style; Nova's own `dev.nova.` prefix is reserved. */
export const LabelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}$/, 'not a label key')
  .refine((key) => !key.startsWith('dev.nova.'), 'labels under dev.nova. are Nova’s own');
export const Labels = z
  .record(LabelKey, freeText(4096, 'all-but-nul'))
  .refine((labels) => Object.keys(labels).length <= 64, 'at most 64 labels');

/**
 * A container to create. The NovaFile gives an `ownership` (project, name, spec hash); one created
 * from the command line or the GUI carries only Nova's managed label and the user's own labels.
 */
export const NewContainer = ContainerSpec.omit({ ownership: true }).extend({
  ownership: Ownership.optional(),
  labels: Labels.optional(),
});
export type NewContainer = z.infer<typeof NewContainer>;

export const PortBinding = z.object({
  containerPort: z.number().int(),
  protocol: z.string(),
  hostIp: z.string().optional(),
  hostPort: z.number().int().optional(),
});
export type PortBinding = z.infer<typeof PortBinding>;

/** One container in detail (inspect). */
export const ContainerDetails = z.object({
  engine: EngineName,
  id: z.string(),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  state: InstanceState,
  /** The engine's own word for the state (running, exited, created…). */
  status: z.string(),
  origin: Origin,
  project: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** Why the engine stopped or refused it (OOM, failed start…), when it says. */
  error: z.string().optional(),
  restartCount: z.number().int().nonnegative(),
  pid: z.number().int().nonnegative().optional(),
  command: z.array(z.string()),
  /** KEY=VALUE; values are left out ("KEY=…") where the caller may not see them (relayed engines). */
  env: z.array(z.string()),
  ports: z.array(PortBinding),
  mounts: z.array(
    z.object({
      type: z.string(),
      source: z.string(),
      target: z.string(),
      readOnly: z.boolean(),
    }),
  ),
  networks: z.array(
    z.object({
      name: z.string(),
      ipAddress: z.string().optional(),
      macAddress: z.string().optional(),
    }),
  ),
  restartPolicy: z.object({ name: z.string(), maxRetries: z.number().int().nonnegative() }),
  nanoCpus: z.number().int().nonnegative().optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
  labels: z.record(z.string(), z.string()),
});
export type ContainerDetails = z.infer<typeof ContainerDetails>;

/** One sample of a container's load. */
export const ContainerStats = z.object({
  engine: EngineName,
  id: z.string(),
  name: z.string(),
  /** Milliseconds since the epoch at which the engine read it. */
  at: z.number(),
  /** Share of one CPU (100 = one whole core), over the engine's last interval. */
  cpuPercent: z.number().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
  memoryLimitBytes: z.number().int().nonnegative().optional(),
  netRxBytes: z.number().int().nonnegative(),
  netTxBytes: z.number().int().nonnegative(),
  blockReadBytes: z.number().int().nonnegative(),
  blockWriteBytes: z.number().int().nonnegative(),
  pids: z.number().int().nonnegative(),
});
export type ContainerStats = z.infer<typeof ContainerStats>;

export const LogEntry = z.object({
  stream: z.enum(['stdout', 'stderr']),
  /** RFC 3339 time the engine stamped, when asked for timestamps. */
  time: z.string().optional(),
  text: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const LogOptions = z.strictObject({
  /** Lines from the end; all of them when absent. */
  tail: z.number().int().min(0).max(100_000).optional(),
  /** Only lines after this time (seconds since the epoch). */
  since: z.number().nonnegative().optional(),
  timestamps: z.boolean().optional(),
});
export type LogOptions = z.infer<typeof LogOptions>;

/** A one-off command run inside a running container. */
export const ExecRequest = z.strictObject({
  /** argv, never a shell line: each element reaches the program as it is. */
  argv: z.array(freeText(65536, 'all-but-nul')).min(1).max(256),
  env: z
    .array(
      freeText(65536, 'all-but-nul').refine((entry) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(entry), 'KEY=VALUE'),
    )
    .max(256)
    .optional(),
  workdir: AbsolutePath.optional(),
  user: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/, 'not a user or uid[:gid]')
    .optional(),
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
});
export type ExecRequest = z.infer<typeof ExecRequest>;

export const ExecResult = z.object({
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
  /** Whether output past the limit was dropped. */
  truncated: z.boolean(),
});
export type ExecResult = z.infer<typeof ExecResult>;

export const ImageSummary = z.object({
  engine: EngineName,
  id: z.string(),
  tags: z.array(z.string()),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: z.string(),
  /** How many containers use it, where the engine says. */
  containers: z.number().int().optional(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

/** Progress of a pull or an import, as the engine reports it. */
export const ImageProgress = z.object({
  /** The layer or step it is about, when there is one. */
  id: z.string().optional(),
  status: z.string(),
  current: z.number().nonnegative().optional(),
  total: z.number().nonnegative().optional(),
});
export type ImageProgress = z.infer<typeof ImageProgress>;

/** Who made an engine network or volume: Nova, the engine itself (bridge, host, none), or someone else. */
export const EngineObjectOrigin = z.enum(['nova', 'system', 'external']);
export type EngineObjectOrigin = z.infer<typeof EngineObjectOrigin>;

export const EngineNetworkSummary = z.object({
  engine: EngineName,
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  internal: z.boolean(),
  subnets: z.array(z.object({ subnet: z.string(), gateway: z.string().optional() })),
  origin: EngineObjectOrigin,
  project: z.string().optional(),
  /** The containers attached to it, by name. */
  containers: z.array(z.string()),
  createdAt: z.string().optional(),
});
export type EngineNetworkSummary = z.infer<typeof EngineNetworkSummary>;

export const NewEngineNetwork = z.strictObject({
  name: EngineObjectName,
  ownership: Ownership.optional(),
  internal: z.boolean(),
  subnet: Ipv4Cidr.optional(),
  gateway: Ipv4Address.optional(),
  labels: Labels.optional(),
});
export type NewEngineNetwork = z.infer<typeof NewEngineNetwork>;

export const EngineVolumeSummary = z.object({
  engine: EngineName,
  name: z.string(),
  driver: z.string(),
  mountpoint: z.string(),
  createdAt: z.string().optional(),
  origin: EngineObjectOrigin,
  project: z.string().optional(),
});
export type EngineVolumeSummary = z.infer<typeof EngineVolumeSummary>;

export const NewEngineVolume = z.strictObject({
  name: EngineObjectName,
  ownership: Ownership.optional(),
  labels: Labels.optional(),
});
export type NewEngineVolume = z.infer<typeof NewEngineVolume>;

/** Something happened to a container, as the engine's event stream tells it. */
export const ContainerEvent = z.object({
  engine: EngineName,
  containerId: z.string(),
  name: z.string(),
  /** The engine's action: create, start, die, stop, kill, pause, unpause, destroy, rename… */
  action: z.string(),
  /** The state that action leaves the container in, when it is clear from the action alone. */
  state: InstanceState.optional(),
  /** Milliseconds since the epoch. */
  at: z.number(),
});
export type ContainerEvent = z.infer<typeof ContainerEvent>;
