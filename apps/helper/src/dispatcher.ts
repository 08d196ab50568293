import { randomUUID } from 'node:crypto';

import {
  CallId,
  describeZodError,
  HELPER_MAX_REQUEST_BYTES,
  type HelperMethodGroup,
  type HelperMethodName,
  type HelperMethodNameOf,
  helperMethods,
  type HelperOutput,
  type HelperParsedInput,
  isChangingMethod,
  isHelperMethodName,
  NOVA_VERSION,
  NovaError,
  POLKIT_ACTIONS,
  toErrorData,
} from '@nova/core';

import { type AuditEntry, redact } from './audit.js';
import type { AuthorizationResult } from './polkit.js';

/** Who called: the unique bus name the bus set on the message, and the uid behind it; and which call. */
export interface CallContext {
  sender: string;
  uid: number | undefined;
  /** The call's id, the caller's or the helper's own (see CallId in the contract). */
  callId?: string;
}

export type HelperImplementation = {
  [M in HelperMethodName]: (input: HelperParsedInput<M>, call: CallContext) => Promise<HelperOutput<M>>;
};

/** The implementation of some groups of the contract's method table (helperMethodGroups). */
export type HelperGroupImplementation<G extends HelperMethodGroup> = Pick<
  HelperImplementation,
  HelperMethodNameOf<G>
>;

export interface DispatchRequest {
  sender: string;
  member: string;
  signature: string;
  body: unknown[];
  /** The message's serial, for the audit log; absent when the glue does not pass it. */
  serial?: number | undefined;
}

export type DispatchReply = { ok: true; json: string } | { ok: false; error: NovaError };

export interface DispatcherDeps {
  authorize(sender: string, actionId: string): Promise<AuthorizationResult>;
  implementation: HelperImplementation;
  /** The uid of a bus name (for the audit log); undefined when the bus cannot say. */
  uidOf?(sender: string): Promise<number | undefined>;
  audit?(entry: AuditEntry): Promise<void>;
  log?(line: string): void;
}

function refusal(actionId: keyof typeof POLKIT_ACTIONS, result: AuthorizationResult): NovaError {
  const what = POLKIT_ACTIONS[actionId].description.toLowerCase();
  return new NovaError(
    'not-authorized',
    result.challenge
      ? `not authorized: polkit action ${actionId} (${what}) needs authentication, and no polkit agent could ask for it`
      : `not authorized: polkit refused action ${actionId} (${what})`,
    'Ask an administrator to grant this action to you (a polkit rule), or use Nova from an active local session.',
  );
}

/** The id a call is known by: the caller's when it sent a valid one, else one the helper makes. */
function callIdOf(request: DispatchRequest): { callId: string; by: 'caller' | 'helper' } {
  const given = request.signature === 'ss' ? request.body[1] : undefined;
  if (CallId.safeParse(given).success) return { callId: given as string, by: 'caller' };
  return { callId: `helper-${randomUUID()}`, by: 'helper' };
}

/**
 * Runs one call of the helper's interface: authorize the caller with polkit first, then check the
 * request against the contract, then act. It trusts nothing in the message but the sender the bus set.
 * Changing calls, and every call polkit refuses, are audited under the call's id.
 */
export async function dispatch(deps: DispatcherDeps, request: DispatchRequest): Promise<DispatchReply> {
  const { member } = request;
  if (!isHelperMethodName(member)) {
    return {
      ok: false,
      error: new NovaError(
        'invalid-input',
        `Nova’s helper (version ${NOVA_VERSION}) has no method ${member}: it and this program are different versions of Nova`,
        'Install the same version of Nova’s helper as of this program.',
      ),
    };
  }
  const spec = helperMethods[member];
  const changing = isChangingMethod(member);
  const { callId, by } = callIdOf(request);
  const uidOf = async () => deps.uidOf?.(request.sender).catch(() => undefined);
  let uid = changing ? await uidOf() : undefined;
  // Every changing call is audited, refused or not: the record of what was asked of root, and by whom.
  // A read is audited only when polkit refuses it: a refusal matters, successful reads would flood the log.
  const audit = async (result: AuditEntry['result'], args: unknown, error?: string): Promise<void> => {
    if ((!changing && result !== 'refused') || deps.audit === undefined) return;
    await deps.audit({
      time: new Date().toISOString(),
      callId,
      callIdBy: by,
      ...(request.serial === undefined ? {} : { serial: request.serial }),
      uid,
      sender: request.sender,
      method: member,
      action: spec.action,
      arguments: redact(args),
      result,
      ...(error === undefined ? {} : { error }),
    });
  };
  const who = `${request.sender} [${callId}]`;
  let input: unknown = undefined;
  try {
    const authorization = await deps.authorize(request.sender, spec.action);
    if (!authorization.authorized) {
      deps.log?.(`${member} from ${who}: refused (${spec.action})`);
      uid ??= await uidOf();
      await audit('refused', undefined, `polkit refused ${spec.action}`);
      return { ok: false, error: refusal(spec.action, authorization) };
    }
    input = parseRequest(member, request);
    const implementation = deps.implementation[member] as (
      input: unknown,
      call: CallContext,
    ) => Promise<unknown>;
    const output = await implementation(input, { sender: request.sender, uid, callId });
    const checked = spec.output.safeParse(output);
    if (!checked.success) {
      throw new NovaError(
        'failed',
        `the helper built an invalid reply to ${member}: ${describeZodError(checked.error)}`,
      );
    }
    if (changing) deps.log?.(`${member} from ${who} (uid ${uid ?? '?'}): done`);
    await audit('ok', input);
    return { ok: true, json: JSON.stringify(checked.data) };
  } catch (err) {
    const data = toErrorData(err);
    deps.log?.(`${member} from ${who}: ${data.code}: ${data.message}`);
    await audit('error', input, `${data.code}: ${data.message}`);
    return { ok: false, error: NovaError.fromData(data) };
  }
}

function parseRequest(member: HelperMethodName, request: DispatchRequest): unknown {
  const [raw, callId] = request.body;
  if ((request.signature !== 's' && request.signature !== 'ss') || typeof raw !== 'string') {
    throw new NovaError(
      'invalid-input',
      `${member} takes a JSON document and, optionally, a call id: two strings (signature "ss" or "s"), not "${request.signature}"`,
    );
  }
  if (request.signature === 'ss') {
    const checked = CallId.safeParse(callId);
    if (!checked.success)
      throw new NovaError(
        'invalid-input',
        `${member}: callId: ${checked.error.issues.map((issue) => issue.message).join('; ')}`,
      );
  }
  if (Buffer.byteLength(raw, 'utf8') > HELPER_MAX_REQUEST_BYTES) {
    throw new NovaError(
      'invalid-input',
      `${member}: the request is larger than ${HELPER_MAX_REQUEST_BYTES} bytes`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new NovaError('invalid-input', `${member}: the request is not valid JSON`);
  }
  const parsed = helperMethods[member].input.safeParse(json);
  if (!parsed.success) throw new NovaError('invalid-input', `${member}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
