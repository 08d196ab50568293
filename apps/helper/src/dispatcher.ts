import {
  describeZodError,
  HELPER_MAX_REQUEST_BYTES,
  type HelperInput,
  type HelperMethodName,
  helperMethods,
  type HelperOutput,
  isHelperMethodName,
  NOVA_VERSION,
  NovaError,
  POLKIT_ACTIONS,
  toErrorData,
} from '@nova/core';

import type { AuthorizationResult } from './polkit.js';

export type HelperImplementation = {
  [M in HelperMethodName]: (input: HelperInput<M>) => Promise<HelperOutput<M>>;
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
  try {
    const authorization = await deps.authorize(request.sender, spec.action);
    if (!authorization.authorized) {
      deps.log?.(`${member} from ${request.sender}: refused (${spec.action})`);
      return { ok: false, error: refusal(spec.action, authorization) };
    }
    const input = parseRequest(member, request);
    const output = await (deps.implementation[member] as (input: unknown) => Promise<unknown>)(input);
    const checked = spec.output.safeParse(output);
    if (!checked.success) {
      throw new NovaError(
        'failed',
        `the helper built an invalid reply to ${member}: ${describeZodError(checked.error)}`,
      );
    }
    // Changes are logged: the helper's log is the record of what was done as root, and for whom.
    if (spec.action.endsWith('.manage'))
      deps.log?.(`${member} from ${request.sender}: done ${summarize(input)}`);
    return { ok: true, json: JSON.stringify(checked.data) };
  } catch (err) {
    const data = toErrorData(err);
    deps.log?.(`${member} from ${request.sender}: ${data.code}: ${data.message}`);
    return { ok: false, error: NovaError.fromData(data) };
  }
}

/** The names in a request, for the log: never whole specs (they may hold secrets). */
function summarize(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const record = input as Record<string, unknown>;
  const spec = record['spec'] as Record<string, unknown> | undefined;
  const parts = [record['project'], record['pool'], record['name'], spec?.['pool'], spec?.['name']].filter(
    (part) => typeof part === 'string',
  );
  return parts.length === 0 ? '' : `(${parts.join(' ')})`;
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
