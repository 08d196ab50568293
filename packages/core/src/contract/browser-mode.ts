// Browser mode's wire protocol, the one description main's HTTP server (apps/main/src/browser) and the
// renderer's transport (apps/renderer/src/api) share: where a call goes, where events come from, and
// what an event message looks like.
//
// The renderer's early script (apps/renderer/src/early.ts) is bundled on its own and must stay tiny: it
// takes the call path from here and nothing else. So each zod call below is marked `@__PURE__`, which
// lets a bundler drop it, and zod with it, from a bundle that does not use the schema.
import { z } from 'zod';

import type { ChannelName, EventName, EventPayload } from './channels.js';

/**
 * A call: POST to this prefix followed by the channel's URI-encoded name, the input as a JSON body.
 * The reply is the channel's `Result` as JSON.
 */
export const BROWSER_CALL_PREFIX = '/api/call/';

/** The WebSocket main pushes every event on, one BrowserEventMessage per text message. */
export const BROWSER_EVENTS_PATH = '/api/events';

/** The path of a call of `channel`. */
export function browserCallPath(channel: ChannelName): string {
  return `${BROWSER_CALL_PREFIX}${encodeURIComponent(channel)}`;
}

export function isBrowserCallPath(pathname: string): boolean {
  return pathname.startsWith(BROWSER_CALL_PREFIX);
}

/**
 * The channel name in a call's path, as the page sent it: main's router refuses a name the contract
 * does not declare. Throws URIError on a malformed %-escape, as decodeURIComponent does.
 */
export function channelOfBrowserCallPath(pathname: string): string {
  if (!isBrowserCallPath(pathname)) throw new TypeError(`not a browser-mode call path: ${pathname}`);
  return decodeURIComponent(pathname.slice(BROWSER_CALL_PREFIX.length));
}

/**
 * One event as the events socket carries it (JSON text). Only its shape: the renderer checks the name
 * and the payload against the contract's `events` before anyone sees them.
 */
export const BrowserEventMessage = /* @__PURE__ */ z.object({
  event: /* @__PURE__ */ z.string(),
  payload: /* @__PURE__ */ z.unknown(),
});
export type BrowserEventMessage = z.infer<typeof BrowserEventMessage>;

/** The text main sends on the events socket for one event. */
export function encodeBrowserEvent<E extends EventName>(event: E, payload: EventPayload<E>): string {
  const message: BrowserEventMessage = { event, payload };
  return JSON.stringify(message);
}

/** The event one message of the events socket carries; undefined when it is not JSON or not an event. */
export function decodeBrowserEvent(text: string): BrowserEventMessage | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = BrowserEventMessage.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
