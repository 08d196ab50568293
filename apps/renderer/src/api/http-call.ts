// Browser mode's request for one call: the transport's, and the early script's (src/early.ts), which is
// built on its own. It imports only the call path from the contract (a bundle of the early script holds
// that and nothing else of @nova/core: see packages/core/src/contract/browser-mode.ts).
import { browserCallPath, type ChannelName } from '@nova/core';

/** POST a call of `channel` with a JSON body; the launch token travels as the HttpOnly cookie. */
export function postCall(channel: ChannelName, body: string): Promise<Response> {
  return fetch(browserCallPath(channel), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    credentials: 'same-origin',
  });
}
