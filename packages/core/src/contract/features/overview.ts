// The desktop app's overview channels and events. Spread into `channels` and `events`
// (contract/channels.ts).
import { z } from 'zod';

import { InstanceState } from '../../model/instance.js';
import { LogEntry } from '../container-types.js';
import { SnapshotSummary } from '../helper-types.js';

/** An instance as `instances.list` names it: `vm/<uuid>` or `container/<engine>/<hex id>`. */
export const InstanceId = z
  .string()
  .max(100)
  .regex(
    /^(vm\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|container\/(bolt|docker|podman)\/[0-9a-f]{12,64})$/,
    'not an instance id (vm/<uuid> or container/<engine>/<id>)',
  );
export type InstanceId = z.infer<typeof InstanceId>;

export const INSTANCE_ACTIONS = [
  'start',
  'shutdown',
  'force-off',
  'reboot',
  'pause',
  'resume',
  'delete',
] as const;
export const InstanceAction = z.enum(INSTANCE_ACTIONS);
export type InstanceAction = z.infer<typeof InstanceAction>;

export const InstanceActionRequest = z.strictObject({
  id: InstanceId,
  action: InstanceAction,
  /** The user acts on an instance Nova did not create (the GUI says so before it asks). */
  foreign: z.boolean(),
  /** With delete, for a VM: also the disk images Nova created for it. */
  removeDisks: z.boolean().optional(),
});
export type InstanceActionRequest = z.infer<typeof InstanceActionRequest>;

export const InstanceActionResult = z.object({
  /** The state afterwards, when known. */
  state: InstanceState.optional(),
  removed: z.boolean().optional(),
  /** Disk images deleted with a VM. */
  removedVolumes: z.array(z.string()).optional(),
});
export type InstanceActionResult = z.infer<typeof InstanceActionResult>;

/** What the overview shows of an instance beyond `instances.list`: where it is attached and reachable. */
export const InstanceFacts = z.object({
  id: z.string(),
  /** IP addresses (without prefix). */
  addresses: z.array(z.string()),
  /** libvirt networks, bridges or engine networks. */
  networks: z.array(z.string()),
  autostart: z.boolean().optional(),
  /** Why some of it could not be read. */
  error: z.string().optional(),
});
export type InstanceFacts = z.infer<typeof InstanceFacts>;

export const MAX_FACT_IDS = 500;

export const InstanceDetailRow = z.object({ label: z.string(), value: z.string() });

export const InstanceDetails = z.object({
  id: z.string(),
  kind: z.enum(['vm', 'container']),
  name: z.string(),
  state: InstanceState,
  summary: z.array(InstanceDetailRow),
  disks: z.array(z.object({ name: z.string(), source: z.string(), detail: z.string() })),
  nics: z.array(
    z.object({
      name: z.string(),
      mac: z.string().optional(),
      network: z.string().optional(),
      addresses: z.array(z.string()),
    }),
  ),
  /** VMs only. */
  snapshots: z.array(SnapshotSummary).optional(),
  /** libvirt's XML of a VM, or the container's inspect JSON (as Nova reads it). */
  raw: z.object({ format: z.enum(['xml', 'json']), text: z.string() }),
  /** The instance's section of the NovaFile that describes it, when it has one. */
  novaFile: z
    .object({ path: z.string(), project: z.string(), name: z.string(), section: z.string() })
    .optional(),
  /** Parts that could not be read; the rest is still shown. */
  warnings: z.array(z.string()),
});
export type InstanceDetails = z.infer<typeof InstanceDetails>;

export const MAX_LOG_TAIL = 5000;
export const MAX_LOG_LINES_PER_EVENT = 500;

const FollowId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'not a follow id');

export const InstanceLogLines = z.object({
  followId: z.string(),
  entries: z.array(LogEntry).max(MAX_LOG_LINES_PER_EVENT),
  /** Lines left out because they came faster than a window can take. */
  dropped: z.number().int().nonnegative().optional(),
  /** The follow stopped: the container stopped, the window asked, or it failed (`error`). */
  ended: z.boolean().optional(),
  error: z.string().optional(),
});
export type InstanceLogLines = z.infer<typeof InstanceLogLines>;

export const overviewChannels = {
  'instances.action': {
    summary: 'Start, shut down, force off, reboot, pause, resume or delete one VM or container',
    input: InstanceActionRequest,
    output: InstanceActionResult,
  },
  'instances.facts': {
    summary: 'Addresses, networks and autostart of the named instances',
    input: z.strictObject({ ids: z.array(InstanceId).max(MAX_FACT_IDS) }),
    output: z.object({ facts: z.array(InstanceFacts) }),
  },
  'instances.details': {
    summary: 'One instance in detail: summary, disks, NICs, snapshots, XML or inspect JSON, NovaFile section',
    input: z.strictObject({ id: InstanceId }),
    output: InstanceDetails,
  },
  'instances.logs': {
    summary: 'The last lines of a container’s log',
    input: z.strictObject({
      id: InstanceId,
      tail: z.number().int().min(1).max(MAX_LOG_TAIL),
      timestamps: z.boolean().optional(),
    }),
    output: z.object({ entries: z.array(LogEntry) }),
  },
  'instances.logs.follow': {
    summary: 'Send a container’s new log lines as `instances.logs.lines` events until unfollowed',
    input: z.strictObject({ id: InstanceId, followId: FollowId, timestamps: z.boolean().optional() }),
    output: z.object({ followId: z.string() }),
  },
  'instances.logs.unfollow': {
    summary: 'Stop following a container’s log',
    input: z.strictObject({ followId: FollowId }),
    output: z.object({ stopped: z.boolean() }),
  },
} as const satisfies Record<string, { summary: string; input: z.ZodType; output: z.ZodType }>;

export const overviewEvents = {
  /** New lines of a followed container log. */
  'instances.logs.lines': InstanceLogLines,
} as const satisfies Record<string, z.ZodType>;
