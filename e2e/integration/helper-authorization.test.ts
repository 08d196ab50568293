import { type HelperMethodName, helperMethods, isChangingMethod } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { HELPER_EXAMPLES } from '../support/helper-examples.js';
import { DENIED_USER, GRANTED_USER, requireLab, run } from '../support/lab.js';

const names = Object.keys(helperMethods) as HelperMethodName[];
const changing = names.filter(isChangingMethod);

function callAs(user: string, method: HelperMethodName, json: string) {
  return run('runuser', [
    '-u',
    user,
    '--',
    'dbus-send',
    '--system',
    '--print-reply',
    '--dest=dev.nova.Helper1',
    '/dev/nova/Helper1',
    `dev.nova.Helper1.${method}`,
    `string:${json}`,
  ]);
}

describe('who may call what', () => {
  it('counts every changing method of the contract', () => {
    // The list comes from the contract itself: a new changing method cannot be left out of the test below.
    expect(changing.length).toBeGreaterThanOrEqual(25);
    expect(changing).toContain('DefineDomain');
    expect(changing).toContain('CreateHostBridge');
    expect(changing).not.toContain('ListDomains');
  });

  it('refuses every changing method to a user without the grant, naming its action', async () => {
    requireLab();
    const refusals = await Promise.all(
      changing.map(async (method) => {
        const result = await callAs(DENIED_USER, method, JSON.stringify(HELPER_EXAMPLES[method]));
        return { method, result };
      }),
    );
    for (const { method, result } of refusals) {
      expect(result.code, method).not.toBe(0);
      expect(result.stderr, method).toContain('Error dev.nova.Helper1.Error.NotAuthorized');
      expect(result.stderr, method).toContain(helperMethods[method].action);
    }
  });

  it('refuses the reads too, but not the status', async () => {
    for (const method of [
      'ListDomains',
      'ListNetworks',
      'ListStorage',
      'ListHostInterfaces',
      'Subscribe',
    ] as const) {
      const result = await callAs(DENIED_USER, method, '{}');
      expect(result.stderr, method).toContain('Error dev.nova.Helper1.Error.NotAuthorized');
    }
    expect((await callAs(DENIED_USER, 'GetStatus', '{}')).code).toBe(0);
  });

  it('lets a granted user past polkit for every method (answers are the method’s own)', async () => {
    const answers = await Promise.all(
      names.map(async (method) => ({
        method,
        result: await callAs(GRANTED_USER, method, '{"not":"valid"}'),
      })),
    );
    for (const { method, result } of answers) {
      expect(result.stderr, method).not.toContain('NotAuthorized');
    }
  });

  it('audits every changing call, refused or not, with the caller’s uid', async () => {
    const marker = `nova-audit-${Date.now()}`;
    await callAs(DENIED_USER, 'StartDomain', JSON.stringify({ name: marker }));
    await callAs(GRANTED_USER, 'StartDomain', JSON.stringify({ name: marker }));
    const uid = async (user: string) => Number((await run('id', ['-u', user])).stdout.trim());
    const [deniedUid, grantedUid] = await Promise.all([uid(DENIED_USER), uid(GRANTED_USER)]);
    const entries = (await run('cat', ['/var/log/nova/audit.log'])).stdout
      .split('\n')
      .filter((line) => line.includes('"method":"StartDomain"'))
      .map(
        (line) =>
          JSON.parse(line) as { uid: number; result: string; arguments?: { name?: string }; error?: string },
      );
    // A refused call is logged before its argument is read: the uid and the refusal are what count.
    expect(entries.some((e) => e.uid === deniedUid && e.result === 'refused')).toBe(true);
    expect(
      entries.some(
        (e) =>
          e.uid === grantedUid &&
          e.result === 'error' &&
          e.arguments?.name === marker &&
          e.error?.startsWith('not-found') === true,
      ),
    ).toBe(true);
  });
});
