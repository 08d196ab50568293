// Where the helper is on the bus, what one call carries, and the shape of one entry of the method table.
import { z } from 'zod';

import type { PolkitActionId } from './polkit.js';

export const HELPER_BUS_NAME = 'dev.nova.Helper1';
export const HELPER_OBJECT_PATH = '/dev/nova/Helper1';
export const HELPER_INTERFACE = 'dev.nova.Helper1';
/** Requests larger than this are refused before they are parsed. */
export const HELPER_MAX_REQUEST_BYTES = 256 * 1024;
/**
 * How long a client waits for a reply unless the method says otherwise (its `timeoutMs`). The helper
 * may take a while on a first call: the bus has to start it (activation).
 */
export const HELPER_CALL_TIMEOUT_MS = 60_000;

/**
 * A call's id, chosen by the caller (the helper makes one when it is left out): the audit log records
 * it, so the entry of one call is found directly, and a person can correlate a client's log with root's.
 */
export const CallId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'not a call id (1 to 64 letters, digits, dots, underscores or dashes)');

/**
 * A timeout computed from a request. Written as a method's type so that each entry's own, typed for
 * that method's request (which {@link helperMethod} checks), fits the general {@link HelperMethodSpec}.
 */
type RequestTimeout = { timeoutMs(request: unknown): number }['timeoutMs'];

/** One method of the helper's interface. */
export interface HelperMethodSpec {
  /** The polkit action that authorizes a call, asked before the helper reads the request. */
  action: PolkitActionId;
  /** What the method does, for the reference (docs/reference/helper-api.md). */
  summary: string;
  /** The request, checked by the client before it sends and by the helper before it acts. */
  input: z.ZodType;
  /** The reply, checked by the helper before it sends and by the client when it arrives. */
  output: z.ZodType;
  /**
   * How long a client waits for the reply, in milliseconds, for a call that takes longer by nature than
   * {@link HELPER_CALL_TIMEOUT_MS} (shutdowns wait for the guest, snapshots and copies move data): a
   * number, or a function of the request as `input` parsed it.
   */
  timeoutMs?: number | RequestTimeout;
}

/** One entry of the method table, with the exact types of its schemas and action. */
export interface HelperMethodEntry<
  Input extends z.ZodType,
  Output extends z.ZodType,
  Action extends PolkitActionId,
> extends HelperMethodSpec {
  action: Action;
  input: Input;
  output: Output;
  timeoutMs?: number | ((request: z.output<Input>) => number);
}

/**
 * One entry of the method table. It keeps the exact types of the entry's schemas and action (the client,
 * the helper and the CLI are typed from them) and types a timeout that depends on the request by this
 * method's own request, defaults filled in.
 */
export function helperMethod<
  Input extends z.ZodType,
  Output extends z.ZodType,
  const Action extends PolkitActionId,
>(spec: HelperMethodEntry<Input, Output, Action>): HelperMethodEntry<Input, Output, Action> {
  return spec;
}
