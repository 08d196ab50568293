// What Nova says when polkitd cannot be asked: the helper refuses every call then (it authorizes none
// without polkit), and whoever reads the error (the exporter, the window) must tell it from a refusal.
import { NovaError } from '../contract/errors.js';

export const POLKIT_BUS_NAME = 'org.freedesktop.PolicyKit1';

/** How every "polkit cannot be asked" error begins. */
export const POLKIT_UNREACHABLE = 'polkit is not reachable';

/** The error for a call the helper could not authorize because polkitd did not answer. */
export function polkitUnreachable(reason: string, actionId?: string): NovaError {
  return new NovaError(
    'backend-unavailable',
    `${POLKIT_UNREACHABLE} (${POLKIT_BUS_NAME}), so Nova’s helper cannot authorize ${
      actionId === undefined ? 'any call' : `action ${actionId}`
    }: ${reason}`,
    'Start polkitd (systemctl start polkit, or /usr/lib/polkit-1/polkitd --no-debug), then try again.',
  );
}

/** Whether an error (as data or thrown) says that polkit could not be asked. */
export function isPolkitUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'backend-unavailable' && typeof message === 'string' && message.startsWith(POLKIT_UNREACHABLE)
  );
}
