import { z } from 'zod';

import { NovaErrorData } from '../contract/errors.js';

export const InstanceState = z.enum([
  'running',
  'paused',
  'stopped',
  'starting',
  'stopping',
  'crashed',
  'suspended',
  'unknown',
]);
export type InstanceState = z.infer<typeof InstanceState>;

/** Who created an instance: Nova changes or deletes only what it owns. */
export const Origin = z.enum(['nova', 'external']);
export type Origin = z.infer<typeof Origin>;

export const ENGINE_NAMES = ['bolt', 'docker', 'podman'] as const;
export const EngineName = z.enum(ENGINE_NAMES);
export type EngineName = z.infer<typeof EngineName>;

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a UUID');

export const VmInstance = z.object({
  kind: z.literal('vm'),
  /** Stable across renames: `vm/<uuid>`. */
  id: z.string(),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  uuid: Uuid,
  connection: z.string(),
  vcpus: z.number().int().nonnegative(),
  memoryBytes: z.number().int().nonnegative(),
});
export type VmInstance = z.infer<typeof VmInstance>;

export const ContainerInstance = z.object({
  kind: z.literal('container'),
  /** `container/<engine>/<full container id>`. */
  id: z.string(),
  name: z.string(),
  state: InstanceState,
  origin: Origin,
  engine: EngineName,
  containerId: z.string(),
  image: z.string(),
  /** Whether Nova reached the engine itself or through the privileged helper. */
  via: z.enum(['direct', 'helper']),
});
export type ContainerInstance = z.infer<typeof ContainerInstance>;

export const Instance = z.discriminatedUnion('kind', [VmInstance, ContainerInstance]);
export type Instance = z.infer<typeof Instance>;

export const SourceId = z.enum(['libvirt', ...ENGINE_NAMES]);
export type SourceId = z.infer<typeof SourceId>;

/**
 * How one source of instances answered: `ok`, `unavailable` (it should be there but did not answer, or
 * refused), or `absent` (not installed or not configured here, which is not an error).
 */
export const SourceStatus = z.object({
  id: SourceId,
  status: z.enum(['ok', 'unavailable', 'absent']),
  endpoint: z.string(),
  via: z.enum(['direct', 'helper']).optional(),
  count: z.number().int().nonnegative().optional(),
  error: NovaErrorData.optional(),
});
export type SourceStatus = z.infer<typeof SourceStatus>;

export const InstanceList = z.object({
  instances: z.array(Instance),
  sources: z.array(SourceStatus),
});
export type InstanceList = z.infer<typeof InstanceList>;

/**
 * Something changed in what `instances.list` would show, pushed as it happens. `reason` says what in
 * words ("docker: web stopped"); when the change is about one instance, `instanceId` names it and
 * `state` (or `removed`) is what it is now, so a view can update that row before it lists again.
 */
export const InstanceChange = z.object({
  reason: z.string(),
  /** Which source it came from: libvirt or a container engine. */
  source: SourceId.optional(),
  /** The instance's id as in InstanceList (`vm/<uuid>`, `container/<engine>/<id>`). */
  instanceId: z.string().optional(),
  name: z.string().optional(),
  state: InstanceState.optional(),
  /** The instance is gone (container removed, VM undefined). */
  removed: z.boolean().optional(),
  /** For a change of the source itself: whether Nova now follows its changes as they happen. */
  live: z.boolean().optional(),
  /**
   * Only the state changed (paused or resumed): everything else `instances.list` shows of it is as it
   * was, so a view may patch the row and need not list again.
   */
  stateOnly: z.boolean().optional(),
});
export type InstanceChange = z.infer<typeof InstanceChange>;
