// The helper's authorization matrix, counted from the contract: every method × {a user without a grant,
// a user a polkit rule grants, root}. Each call carries its own call id, and its audit entry is found by it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  HELPER_ERROR_NAMES,
  type HelperMethodName,
  helperMethods,
  isChangingMethod,
  POLKIT_ACTIONS,
} from '@nova/core';
import { HelperCallError, HelperClient, mapBounded } from '@nova/core/node';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  HELPER_PROBES,
  makeProbeFixtures,
  type ProbeAnswer,
  removeProbeFixtures,
} from '../support/helper-examples.js';
import { DENIED_USER, GRANTED_USER, mustRun, REPO_ROOT, requireLab, run } from '../support/lab.js';

const METHODS = Object.keys(helperMethods) as HelperMethodName[];
const AUDIT_LOG = '/var/log/nova/audit.log';
const POLICY_FILE = join(REPO_ROOT, 'apps/helper/data/dev.nova.policy');
/** Calls in flight at once, per caller: well under the bus's limit of pending replies per connection. */
const CONCURRENCY = 8;
/** Every call id of this run starts so; the rest says who called what. */
const RUN = `authz-${process.pid.toString(36)}-${Date.now().toString(36)}`;

type Caller = 'denied' | 'granted' | 'root';
const CALLERS: readonly Caller[] = ['denied', 'granted', 'root'];
const USERS = { denied: DENIED_USER, granted: GRANTED_USER } as const;

/** What came back: the JSON reply, or the D-Bus error's name and message. */
type Answer = { ok: true; json: string } | { ok: false; errorName: string; message: string };

interface Call {
  caller: Caller;
  method: HelperMethodName;
  callId: string;
  answer: Answer;
}

interface AuditEntry {
  callId: string;
  callIdBy: string;
  uid?: number;
  method: string;
  action: string;
  result: string;
  error?: string;
}

/** The actions polkit grants to anyone, read from the installed policy file (allow_any), not from the code. */
function actionsOpenToAnyone(): Set<string> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: () => false });
  const doc = parser.parse(readFileSync(POLICY_FILE, 'utf8')) as {
    policyconfig: { action: { '@id': string; defaults: { allow_any: string } }[] };
  };
  // Without a login session (the lab has no logind), polkit applies allow_any.
  return new Set(
    doc.policyconfig.action
      .filter((action) => action.defaults.allow_any === 'yes')
      .map((action) => action['@id']),
  );
}

/** A call as any program of that user could make it: dbus-send, with the call id as the second string. */
async function callAsUser(user: string, method: HelperMethodName, callId: string): Promise<Answer> {
  const result = await run('runuser', [
    '-u',
    user,
    '--',
    'dbus-send',
    '--system',
    '--print-reply=literal',
    '--dest=dev.nova.Helper1',
    '/dev/nova/Helper1',
    `dev.nova.Helper1.${method}`,
    `string:${JSON.stringify(HELPER_PROBES[method].input)}`,
    `string:${callId}`,
  ]);
  if (result.code === 0) return { ok: true, json: result.stdout.trim() };
  const error = /^Error ([\w.]+): ([\s\S]*)$/.exec(result.stderr.trim());
  return error === null
    ? { ok: false, errorName: '(no D-Bus error)', message: result.stderr }
    : { ok: false, errorName: error[1] ?? '', message: error[2] ?? '' };
}

/** A call as root, through Nova's own client with the call id it is told to use. */
async function callAsRoot(client: HelperClient, method: HelperMethodName, callId: string): Promise<Answer> {
  try {
    const output = await client.call(method, HELPER_PROBES[method].input, { callId });
    return { ok: true, json: JSON.stringify(output) };
  } catch (err) {
    if (!(err instanceof HelperCallError)) throw err;
    // The client's error carries the id of the call it is about.
    if (err.callId !== callId) return { ok: false, errorName: '(wrong call id)', message: err.callId };
    return { ok: false, errorName: HELPER_ERROR_NAMES[err.code], message: err.message };
  }
}

/** What a call should answer: NotAuthorized for a user without a grant (unless anyone may), else the probe's. */
function expected(caller: Caller, method: HelperMethodName, open: Set<string>): 'refused' | ProbeAnswer {
  return caller === 'denied' && !open.has(helperMethods[method].action)
    ? 'refused'
    : HELPER_PROBES[method].answer;
}

/** Why an answer is not the expected one, or undefined when it is. */
function mismatch(call: Call, want: 'refused' | ProbeAnswer): string | undefined {
  const { answer, method } = call;
  const got = answer.ok ? `a result ${answer.json.slice(0, 200)}` : `${answer.errorName}: ${answer.message}`;
  if (want === 'refused') {
    const action = helperMethods[method].action;
    return !answer.ok &&
      answer.errorName === 'dev.nova.Helper1.Error.NotAuthorized' &&
      answer.message.includes(action)
      ? undefined
      : `expected NotAuthorized naming ${action}, got ${got}`;
  }
  if ('result' in want) {
    if (!answer.ok) return `expected a result, got ${got}`;
    const parsed = helperMethods[method].output.safeParse(JSON.parse(answer.json));
    return parsed.success ? undefined : `the result does not parse with the output schema: ${got}`;
  }
  const name = HELPER_ERROR_NAMES[want.error];
  return !answer.ok && answer.errorName === name && want.message.test(answer.message)
    ? undefined
    : `expected ${name} matching ${String(want.message)}, got ${got}`;
}

describe('the helper’s authorization matrix, counted from the contract', () => {
  const calls: Call[] = [];
  const uids: Record<Caller, number> = { denied: -1, granted: -1, root: 0 };
  let open = new Set<string>();
  let client: HelperClient | undefined;

  beforeAll(async () => {
    requireLab();
    open = actionsOpenToAnyone();
    // The probes of CreateEngineVolume and CreateEngineNetwork ask for names that are taken.
    await makeProbeFixtures();
    client = await HelperClient.connect();
    for (const caller of ['denied', 'granted'] as const)
      uids[caller] = Number((await mustRun('id', ['-u', USERS[caller]])).trim());
    const helper = client;
    const plan = CALLERS.flatMap((caller) =>
      METHODS.map((method, index) => ({ caller, method, callId: `${RUN}-${caller}-${String(index)}` })),
    );
    // Each caller's calls at most CONCURRENCY at a time; the three callers side by side.
    const done = await Promise.all(
      CALLERS.map((caller) =>
        mapBounded(
          plan.filter((call) => call.caller === caller),
          CONCURRENCY,
          async (call): Promise<Call> => ({
            ...call,
            answer:
              caller === 'root'
                ? await callAsRoot(helper, call.method, call.callId)
                : await callAsUser(USERS[caller], call.method, call.callId),
          }),
        ),
      ),
    );
    calls.push(...done.flat());
  });

  afterAll(async () => {
    client?.close();
    await removeProbeFixtures();
  });

  it('has a probe for every method of the contract, each a request the contract accepts', () => {
    expect(Object.keys(HELPER_PROBES).sort()).toEqual([...METHODS].sort());
    expect(calls).toHaveLength(METHODS.length * CALLERS.length);
    for (const method of METHODS) {
      const parsed = helperMethods[method].input.safeParse(HELPER_PROBES[method].input);
      expect(parsed.success, method).toBe(true);
    }
  });

  it('reads from the policy file which actions anyone may use (the status), as the contract declares', () => {
    const declared = Object.entries(POLKIT_ACTIONS)
      .filter(([, spec]) => spec.defaults.allowAny === 'yes')
      .map(([id]) => id);
    expect([...open].sort()).toEqual(declared.sort());
    expect(open.has(helperMethods.GetStatus.action)).toBe(true);
    expect(open.has(helperMethods.ListDomains.action)).toBe(false);
  });

  it.each(CALLERS)('gives %s the answer its rights call for, for every method', (caller) => {
    const wrong = calls
      .filter((call) => call.caller === caller)
      .flatMap((call) => {
        const why = mismatch(call, expected(caller, call.method, open));
        return why === undefined ? [] : [`${call.method}: ${why}`];
      });
    expect(wrong).toEqual([]);
    if (caller === 'denied') {
      // Reads are refused as well as changes; only what the policy opens to anyone answers.
      const answered = calls.filter((call) => call.caller === caller && call.answer.ok).map((c) => c.method);
      expect(answered).toEqual(METHODS.filter((method) => open.has(helperMethods[method].action)));
      expect(answered.length).toBeLessThan(METHODS.length / 10);
    } else {
      // Never refused, never an unknown method: each answer is the method's own.
      expect(
        calls.filter((call) => call.caller === caller && !call.answer.ok).map((c) => c.answer),
      ).not.toContainEqual(expect.objectContaining({ errorName: 'dev.nova.Helper1.Error.NotAuthorized' }));
    }
  });

  it('finds each call’s audit entry by its call id: changes and refusals, with uid, method, action and result', () => {
    const entries = new Map<string, AuditEntry>();
    for (const line of readFileSync(AUDIT_LOG, 'utf8').split('\n')) {
      if (!line.includes(`"callId":"${RUN}-`)) continue;
      const entry = JSON.parse(line) as AuditEntry;
      expect(entries.has(entry.callId), `one entry per call: ${entry.callId}`).toBe(false);
      entries.set(entry.callId, entry);
    }
    const wrong: string[] = [];
    for (const call of calls) {
      const want = expected(call.caller, call.method, open);
      const entry = entries.get(call.callId);
      const where = `${call.caller} ${call.method} (${call.callId})`;
      // Reads that succeed or fail on their own are not recorded: only changes and refusals are.
      if (want !== 'refused' && !isChangingMethod(call.method)) {
        if (entry !== undefined) wrong.push(`${where}: a read that polkit allowed was audited`);
        continue;
      }
      if (entry === undefined) {
        wrong.push(`${where}: no audit entry`);
        continue;
      }
      const result = want === 'refused' ? 'refused' : call.answer.ok ? 'ok' : 'error';
      const actual = {
        uid: entry.uid,
        method: entry.method,
        action: entry.action,
        callIdBy: entry.callIdBy,
        result: entry.result,
      };
      const wanted = {
        uid: uids[call.caller],
        method: call.method,
        action: helperMethods[call.method].action,
        callIdBy: 'caller',
        result,
      };
      if (JSON.stringify(actual) !== JSON.stringify(wanted))
        wrong.push(`${where}: ${JSON.stringify(actual)} instead of ${JSON.stringify(wanted)}`);
      else if (want !== 'refused' && 'error' in want && entry.error?.startsWith(`${want.error}: `) !== true)
        wrong.push(`${where}: error ${entry.error ?? '(none)'} instead of ${want.error}`);
      else if (want === 'refused' && entry.error !== `polkit refused ${helperMethods[call.method].action}`)
        wrong.push(`${where}: error ${entry.error ?? '(none)'} instead of the refusal`);
    }
    expect(wrong).toEqual([]);
    const refusals = [...entries.values()].filter((entry) => entry.result === 'refused');
    expect(refusals.length).toBe(METHODS.filter((m) => !open.has(helperMethods[m].action)).length);
  });
});
