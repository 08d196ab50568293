import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { MAX_NOTICES, NOTICE_TIMEOUT_MS, useNotifications, withNotice } from '../src/shell/notifications.js';

describe('notifications of long operations', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useNotifications.setState({ notices: [] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a failure until it is dismissed, and lets a success go after a while', () => {
    const { notify, dismiss } = useNotifications.getState();
    const failed = notify({ kind: 'error', title: 'start web: failed', detail: 'polkit refused' });
    notify({ kind: 'success', title: 'start db: done' });
    expect(useNotifications.getState().notices.map((n) => n.title)).toEqual([
      'start web: failed',
      'start db: done',
    ]);
    vi.advanceTimersByTime(NOTICE_TIMEOUT_MS);
    expect(useNotifications.getState().notices.map((n) => n.title)).toEqual(['start web: failed']);
    dismiss(failed);
    expect(useNotifications.getState().notices).toEqual([]);
  });

  it(`shows at most ${MAX_NOTICES}, dropping the oldest`, () => {
    for (let i = 0; i < MAX_NOTICES + 2; i++)
      useNotifications.getState().notify({ kind: 'error', title: `n${i}` });
    const titles = useNotifications.getState().notices.map((n) => n.title);
    expect(titles).toHaveLength(MAX_NOTICES);
    expect(titles[0]).toBe('n2');
  });

  it('notifies a failure always, and a success only when the operation took a while', async () => {
    await withNotice('quick', () => Promise.resolve(1));
    expect(useNotifications.getState().notices).toEqual([]);

    const slow = withNotice('slow', () => new Promise((resolve) => setTimeout(resolve, 3000)));
    await vi.advanceTimersByTimeAsync(3000);
    await slow;
    expect(useNotifications.getState().notices.map((n) => n.title)).toEqual(['slow: done']);

    await expect(withNotice('bad', () => Promise.reject(new Error('no such domain')))).rejects.toThrow(
      'no such domain',
    );
    expect(useNotifications.getState().notices.at(-1)).toMatchObject({
      kind: 'error',
      title: 'bad: failed',
      detail: 'no such domain',
    });
  });
});
