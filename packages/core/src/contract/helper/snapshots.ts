// The helper's methods for the snapshots of libvirt domains.
import { z } from 'zod';

import { DomainSummary, SnapshotSummary } from '../helper-types.js';
import { freeText } from '../specs.js';
import { domainInput, Empty, Owner } from './inputs.js';
import { helperMethod } from './method.js';

const SnapshotName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'not a valid snapshot name');

/** Listing a domain's snapshots, taking one, going back to one and deleting one. */
export const vmSnapshotMethods = {
  ListSnapshots: helperMethod({
    action: 'dev.nova.vm.read',
    summary: 'A domain’s snapshots',
    input: domainInput({}),
    output: z.object({ snapshots: z.array(SnapshotSummary) }),
  }),
  CreateSnapshot: helperMethod({
    action: 'dev.nova.vm.snapshot-create',
    summary: 'Take a snapshot of a domain (its disks, and its memory if it runs)',
    input: domainInput({
      ...Owner,
      snapshot: SnapshotName,
      description: freeText(4096, 'lines').optional(),
    }),
    output: SnapshotSummary,
    timeoutMs: 10 * 60_000,
  }),
  RevertSnapshot: helperMethod({
    action: 'dev.nova.vm.snapshot-revert',
    summary: 'Revert a domain to one of its snapshots',
    input: domainInput({ ...Owner, snapshot: SnapshotName }),
    output: z.object({ state: DomainSummary.shape.state }),
    timeoutMs: 10 * 60_000,
  }),
  DeleteSnapshot: helperMethod({
    action: 'dev.nova.vm.snapshot-delete',
    summary: 'Delete a snapshot of a domain',
    input: domainInput({ ...Owner, snapshot: SnapshotName }),
    output: Empty,
    timeoutMs: 10 * 60_000,
  }),
};
