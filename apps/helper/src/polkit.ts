import { NovaError } from '@nova/core';
import { type BoundedCaller, POLKIT_BUS_NAME, polkitUnreachable } from '@nova/core/node';
import { Variant } from 'dbus-next';

const POLKIT_PATH = '/org/freedesktop/PolicyKit1/Authority';
const POLKIT_INTERFACE = 'org.freedesktop.PolicyKit1.Authority';
/** Let polkit ask the user for a password through their agent, where they have one. */
const ALLOW_USER_INTERACTION = 1;
/** Long enough for a person to type a password into a polkit agent. */
const CHECK_TIMEOUT_MS = 120_000;
/** A property read answers at once when polkitd runs. */
const PROBE_TIMEOUT_MS = 5000;

export interface AuthorizationResult {
  authorized: boolean;
  /** polkit would authorize after authentication, but no agent could ask for it. */
  challenge: boolean;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
      const reason = reasonOf(err);
      if (/not registered/i.test(reason)) {
        throw new NovaError(
          'backend-unavailable',
          `polkit does not know the action ${actionId}: Nova's polkit policy is not installed`,
          'Install Nova’s package (it ships /usr/share/polkit-1/actions/dev.nova.policy).',
        );
      }
      // Gone, killed or hung: a backend that is unavailable, never a refusal (NotAuthorized).
      throw polkitUnreachable(reason, actionId);
    }
    const [result] = body;
    if (!Array.isArray(result) || typeof result[0] !== 'boolean' || typeof result[1] !== 'boolean') {
      throw new NovaError('failed', 'polkit sent a malformed authorization result');
    }
    return { authorized: result[0], challenge: result[1] };
  }

  /**
   * Whether polkitd answers: a property read, which needs no authorization. Like any call, it makes the
   * bus start polkitd again where it can (bus activation).
   */
  async reachable(): Promise<{ ok: boolean; detail: string }> {
    try {
      await this.caller.call({
        destination: POLKIT_BUS_NAME,
        path: POLKIT_PATH,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: [POLKIT_INTERFACE, 'BackendVersion'],
        timeoutMs: PROBE_TIMEOUT_MS,
      });
      return { ok: true, detail: `polkit (${POLKIT_BUS_NAME}) answers` };
    } catch (err) {
      return { ok: false, detail: polkitUnreachable(reasonOf(err)).message };
    }
  }
}
