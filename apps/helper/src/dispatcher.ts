import {
  describeZodError,
  HELPER_MAX_REQUEST_BYTES,
  type HelperMethodName,
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

/** Who called: the unique bus name the bus set on the message, and the uid behind it. */
export interface CallContext {
  sender: string;
  uid: number | undefined;
}

export type HelperImplementation = {
  [M in HelperMethodName]: (input: HelperParsedInput<M>, call: CallContext) => Promise<HelperOutput<M>>;
};

export interface DispatchRequest {
  sender: string;
  member: string;
  signature: string;
  body: unknown[];
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

/**
 * Runs one call of the helper's interface: authorize the caller with polkit first, then check the
 * request against the contract, then act. It trusts nothing in the message but the sender the bus set.
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
  const uid = changing ? await deps.uidOf?.(request.sender).catch(() => undefined) : undefined;
  // Every changing call is audited, refused or not: the record of what was asked of root, and by whom.
  const audit = async (result: AuditEntry['result'], args: unknown, error?: string): Promise<void> => {
    if (!changing || deps.audit === undefined) return;
    await deps.audit({
      time: new Date().toISOString(),
      uid,
      sender: request.sender,
      method: member,
      action: spec.action,
      arguments: redact(args),
      result,
      ...(error === undefined ? {} : { error }),
    });
  };
  let input: unknown = undefined;
  try {
    const authorization = await deps.authorize(request.sender, spec.action);
    if (!authorization.authorized) {
      deps.log?.(`${member} from ${request.sender}: refused (${spec.action})`);
      await audit('refused', undefined, `polkit refused ${spec.action}`);
      return { ok: false, error: refusal(spec.action, authorization) };
    }
    input = parseRequest(member, request);
    const implementation = deps.implementation[member] as (
      input: unknown,
      call: CallContext,
    ) => Promise<unknown>;
    const output = await implementation(input, { sender: request.sender, uid });
    const checked = spec.output.safeParse(output);
    if (!checked.success) {
      throw new NovaError(
        'failed',
        `the helper built an invalid reply to ${member}: ${describeZodError(checked.error)}`,
      );
    }
    if (changing) deps.log?.(`${member} from ${request.sender} (uid ${uid ?? '?'}): done`);
    await audit('ok', input);
    return { ok: true, json: JSON.stringify(checked.data) };
  } catch (err) {
    const data = toErrorData(err);
    deps.log?.(`${member} from ${request.sender}: ${data.code}: ${data.message}`);
    await audit('error', input, `${data.code}: ${data.message}`);
    return { ok: false, error: NovaError.fromData(data) };
  }
}

function parseRequest(member: HelperMethodName, request: DispatchRequest): unknown {
  const [raw] = request.body;
  if (request.signature !== 's' || typeof raw !== 'string') {
    throw new NovaError('invalid-input', `${member} takes one string argument (a JSON document)`);
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
