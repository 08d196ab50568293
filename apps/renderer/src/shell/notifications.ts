// Notices of long operations that finished or failed, shown in a corner of every page: a success
// goes away by itself, a failure stays until dismissed. Screen readers hear both (live regions).
import { create } from 'zustand';

export interface Notice {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
}

/** A success or info notice leaves after this long; an error stays. */
export const NOTICE_TIMEOUT_MS = 6000;
/** At most this many notices show at once; the oldest go first. */
export const MAX_NOTICES = 5;

interface NotificationsState {
  notices: Notice[];
  notify: (notice: Omit<Notice, 'id'>) => number;
  dismiss: (id: number) => void;
}

let nextId = 1;

export const useNotifications = create<NotificationsState>((set, get) => ({
  notices: [],
  notify(notice) {
    const id = nextId++;
    set({ notices: [...get().notices, { ...notice, id }].slice(-MAX_NOTICES) });
    if (notice.kind !== 'error') {
      setTimeout(() => {
        get().dismiss(id);
      }, NOTICE_TIMEOUT_MS);
    }
    return id;
  },
  dismiss(id) {
    set({ notices: get().notices.filter((notice) => notice.id !== id) });
  },
}));

/** Notifies from outside React (stores, actions). */
export function notify(notice: Omit<Notice, 'id'>): number {
  return useNotifications.getState().notify(notice);
}

/**
 * Runs a long operation and notifies when it ends: its failure always, its success only when it took
 * long enough for the user to have looked away (a quick success shows in place already).
 */
export async function withNotice<T>(
  what: string,
  operation: () => Promise<T>,
  options: { quietBelowMs?: number; describeError?: (err: unknown) => string } = {},
): Promise<T> {
  const started = Date.now();
  try {
    const result = await operation();
    if (Date.now() - started >= (options.quietBelowMs ?? 2000))
      notify({ kind: 'success', title: `${what}: done` });
    return result;
  } catch (err) {
    notify({
      kind: 'error',
      title: `${what}: failed`,
      detail: options.describeError?.(err) ?? (err instanceof Error ? err.message : String(err)),
    });
    throw err;
  }
}
