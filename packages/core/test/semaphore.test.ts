import { describe, expect, it } from 'vitest';

import { mapBounded, Semaphore } from '../src/util/semaphore.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapBounded', () => {
  it('never runs more than the limit at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const items = Array.from({ length: 100 }, (_, i) => i);
    const result = await mapBounded(items, 7, async (item) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      running -= 1;
      return item * 2;
    });
    expect(peak).toBe(7);
    expect(result).toEqual(items.map((i) => i * 2));
  });

  it('rejects when a call fails', async () => {
    await expect(
      mapBounded([1, 2, 3], 2, (i) => (i === 2 ? Promise.reject(new Error('no')) : Promise.resolve(i))),
    ).rejects.toThrow('no');
  });
});

describe('Semaphore', () => {
  it('releases its slot when a task throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(semaphore.inUse).toBe(0);
    await expect(semaphore.run(() => Promise.resolve(5))).resolves.toBe(5);
  });

  it('refuses a limit below one', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
