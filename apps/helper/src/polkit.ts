import { NovaError } from '@nova/core';
import type { BoundedCaller } from '@nova/core/node';
import { Variant } from 'dbus-next';

const POLKIT_BUS_NAME = 'org.freedesktop.PolicyKit1';
const POLKIT_PATH = '/org/freedesktop/PolicyKit1/Authority';
const POLKIT_INTERFACE = 'org.freedesktop.PolicyKit1.Authority';
/** Let polkit ask the user for a password through their agent, where they have one. */
const ALLOW_USER_INTERACTION = 1;
/** Long enough for a person to type a password into a polkit agent. */
const CHECK_TIMEOUT_MS = 120_000;

export interface AuthorizationResult {
  authorized: boolean;
  /** polkit would authorize after authentication, but no agent could ask for it. */
  challenge: boolean;
}

/** Asks polkitd whether the process behind a unique bus name may perform an action. */
export class PolkitAuthority {
  constructor(private readonly caller: BoundedCaller) {}

  async check(busName: string, actionId: string): Promise<AuthorizationResult> {
    let body: unknown[];
    try {
      body = await this.caller.call({
        destination: POLKIT_BUS_NAME,
        path: POLKIT_PATH,
        interface: POLKIT_INTERFACE,
        member: 'CheckAuthorization',
        signature: '(sa{sv})sa{ss}us',
        // The subject is the caller's unique bus name from the message header, never an argument.
        body: [
          ['system-bus-name', { name: new Variant('s', busName) }],
          actionId,
          {},
          ALLOW_USER_INTERACTION,
          '',
        ],
        timeoutMs: CHECK_TIMEOUT_MS,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (/not registered/i.test(reason)) {
        throw new NovaError(
          'backend-unavailable',
          `polkit does not know the action ${actionId}: Nova's polkit policy is not installed`,
          'Install Nova’s package (it ships /usr/share/polkit-1/actions/dev.nova.policy).',
        );
      }
      throw new NovaError(
        'backend-unavailable',
        `polkit could not be asked about ${actionId}: ${reason}`,
        'Start polkitd (systemctl start polkit).',
      );
    }
    const [result] = body;
    if (!Array.isArray(result) || typeof result[0] !== 'boolean' || typeof result[1] !== 'boolean') {
      throw new NovaError('failed', 'polkit sent a malformed authorization result');
    }
    return { authorized: result[0], challenge: result[1] };
  }
}
