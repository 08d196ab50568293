// Pieces of requests that several groups of methods share: no fields, and which VM or network a call is for.
import { z } from 'zod';

import { ResourceName } from '../specs.js';

export const Empty = z.object({}).strict();

/**
 * Which VM (or network) a change is for. With a project, it must be Nova's for that project; without,
 * any of Nova's; `foreign` lets a change reach one Nova did not create, when the user says so.
 */
export const Owner = {
  project: ResourceName.optional(),
  foreign: z.boolean().default(false),
};
export const TargetShape = { name: ResourceName, ...Owner };
export const TargetSchema = z.object(TargetShape).strict();
/** Which network (or other object named by its name) a change is for, and whose it must be. */
export type Target = z.input<typeof TargetSchema>;

/** The UUID libvirt gave a domain: it stays the same when the domain is renamed. */
export const DomainUuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'not a domain UUID');

/**
 * A method's input that names one VM: by its UUID (what the desktop app holds from the instance list)
 * or by its name (what a person types), exactly one of the two; the helper looks the domain up by
 * whichever it is given.
 */
export function domainInput<Shape extends z.ZodRawShape>(shape: Shape) {
  return z
    .object({ name: ResourceName.optional(), uuid: DomainUuid.optional(), ...shape })
    .strict()
    .refine(
      (input: { name?: unknown; uuid?: unknown }) =>
        (input.name === undefined) !== (input.uuid === undefined),
      {
        message: 'say which VM by its name or by its UUID (one of the two)',
      },
    );
}
export const VmTargetSchema = domainInput(Owner);
/** Which VM a change is for (by name or UUID), and whose it must be. */
export type VmTarget = z.input<typeof VmTargetSchema>;
/** Which VM a read is for. */
export type DomainRef = { name: string; uuid?: undefined } | { uuid: string; name?: undefined };
