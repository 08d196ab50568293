import { describe, expect, expectTypeOf, it } from 'vitest';

import {
  HELPER_CALL_TIMEOUT_MS,
  helperCallTimeoutMs,
  type HelperInput,
  helperMethodGroups,
  type HelperMethodName,
  type HelperMethodNameOf,
  helperMethods,
  isChangingMethod,
  POLKIT_ACTIONS,
} from '../src/index.js';

const uuid = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

/** The timeout the client uses for one request, parsed by the method's schema as the client does. */
function timeoutOf<M extends HelperMethodName>(method: M, input: HelperInput<M>): number {
  return helperCallTimeoutMs(method, helperMethods[method].input.parse(input));
}

describe('the helper method table', () => {
  it('is its groups put together, in their order, each method in exactly one group', () => {
    const grouped = Object.values(helperMethodGroups).flatMap((group) => Object.entries(group));
    expect(grouped.map(([name]) => name)).toEqual(Object.keys(helperMethods));
    for (const [name, spec] of grouped) expect(helperMethods[name as HelperMethodName]).toBe(spec);
  });

  it('gives every method a polkit action, and every polkit action a method', () => {
    const used = new Set(Object.values(helperMethods).map((spec) => spec.action));
    expect([...used].every((action) => Object.hasOwn(POLKIT_ACTIONS, action))).toBe(true);
    expect(Object.keys(POLKIT_ACTIONS).filter((action) => !used.has(action as never))).toEqual([]);
  });

  it('keeps each entry’s action and group in the types', () => {
    expectTypeOf(helperMethods.PauseDomain.action).toEqualTypeOf<'dev.nova.vm.pause'>();
    expectTypeOf<HelperMethodNameOf<'vmSnapshots'>>().toEqualTypeOf<
      'ListSnapshots' | 'CreateSnapshot' | 'RevertSnapshot' | 'DeleteSnapshot'
    >();
    expectTypeOf<HelperMethodNameOf<'status' | 'events'>>().toEqualTypeOf<
      'GetStatus' | 'Subscribe' | 'Unsubscribe'
    >();
  });

  it('says which methods change something: those whose action is not a read', () => {
    expect(isChangingMethod('ListSnapshots')).toBe(false);
    expect(isChangingMethod('GetStatus')).toBe(false);
    expect(isChangingMethod('PauseDomain')).toBe(true);
    expect(isChangingMethod('ContainerLogs')).toBe(true);
  });
});

describe('helper call timeouts', () => {
  it('wait for a VM’s shutdown timeout, and a minute more', () => {
    expect(timeoutOf('StopDomain', { uuid, mode: 'shutdown' })).toBe(120_000);
    expect(timeoutOf('StopDomain', { name: 'web', mode: 'shutdown', timeoutSeconds: 300 })).toBe(360_000);
    expect(timeoutOf('StopDomain', { uuid, mode: 'destroy', timeoutSeconds: 0 })).toBe(60_000);
  });

  it('wait for a container’s stop timeout (10 s unless given), and a minute more', () => {
    const container = { engine: 'docker', container: 'web' } as const;
    expect(timeoutOf('StopContainer', container)).toBe(70_000);
    expect(timeoutOf('StopContainer', { ...container, timeoutSeconds: 600 })).toBe(660_000);
    expect(timeoutOf('RestartContainer', container)).toBe(70_000);
    expect(timeoutOf('RestartContainer', { ...container, timeoutSeconds: 5 })).toBe(65_000);
  });

  it('wait for a command’s own timeout (60 s unless given), and a minute more', () => {
    const exec = { engine: 'podman', container: 'web' } as const;
    expect(timeoutOf('ExecContainer', { ...exec, request: { argv: ['true'] } })).toBe(120_000);
    expect(timeoutOf('ExecContainer', { ...exec, request: { argv: ['true'], timeoutMs: 1000 } })).toBe(
      61_000,
    );
  });

  it('are fixed for calls that move data, and the default for every other call', () => {
    const fixed: Partial<Record<HelperMethodName, number>> = {
      StartDomain: 10 * 60_000,
      CreateSnapshot: 10 * 60_000,
      RevertSnapshot: 10 * 60_000,
      DeleteSnapshot: 10 * 60_000,
      CreateVolume: 10 * 60_000,
      CloneDomain: 60 * 60_000,
      PullImage: 60 * 60_000,
      ImportImage: 60 * 60_000,
    };
    const byRequest = new Set(['StopDomain', 'StopContainer', 'RestartContainer', 'ExecContainer']);
    expect(HELPER_CALL_TIMEOUT_MS).toBe(60_000);
    for (const method of Object.keys(helperMethods) as HelperMethodName[]) {
      if (byRequest.has(method)) continue;
      // These ignore the request, so any will do.
      expect(helperCallTimeoutMs(method, {}), method).toBe(fixed[method] ?? HELPER_CALL_TIMEOUT_MS);
    }
  });
});
