// Browser mode's request for one call: the transport's, and the early script's (src/early.ts), which is
// built on its own; so this module imports nothing.

/** POST /api/call/<channel> with a JSON body; the launch token travels as the HttpOnly cookie. */
export function postCall(channel: string, body: string): Promise<Response> {
  return fetch(`/api/call/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
    credentials: 'same-origin',
  });
}
