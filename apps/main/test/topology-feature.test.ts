import { describe, expect, it } from 'vitest';

import { coalesced } from '../src/backend/features/topology.js';

// What keeps a burst of topology calls (events from several windows) from hammering libvirt.
describe('coalesced', () => {
  function counter() {
    const pending: (() => void)[] = [];
    let runs = 0;
    const task = () =>
      new Promise<number>((resolve) => {
        const run = ++runs;
        pending.push(() => {
          resolve(run);
        });
      });
    const finish = async () => {
      pending.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    return { task, finish, runs: () => runs };
  }

  it('makes at most two runs for a burst of calls, and later callers get the later run', async () => {
    const { task, finish, runs } = counter();
    const call = coalesced(task);
    const first = call();
    const during = [call(), call(), call()];
    expect(runs()).toBe(1);
    await finish();
    expect(await first).toBe(1);
    // Those who asked during the first run get a run that started after they asked.
    expect(runs()).toBe(2);
    await finish();
    expect(await Promise.all(during)).toEqual([2, 2, 2]);
    expect(runs()).toBe(2);
  });

  it('runs again for a call after the last run ended, and survives a failed run', async () => {
    let fail = true;
    let runs = 0;
    const call = coalesced(() => {
      runs++;
      return fail ? Promise.reject(new Error('libvirt is down')) : Promise.resolve(runs);
    });
    await expect(call()).rejects.toThrow('libvirt is down');
    fail = false;
    expect(await call()).toBe(2);
    expect(await call()).toBe(3);
  });
});
