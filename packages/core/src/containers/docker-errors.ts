// Errors of a Docker-compatible engine (dockerode's HTTP errors, socket errors) in Nova's words.
import { NovaError } from '../contract/errors.js';
import type { EngineName } from '../model/instance.js';

/** The HTTP status the engine answered with, if it answered at all. */
export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
    ? err.statusCode
    : undefined;
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/** The engine's own message (its JSON reply's `message`, or the reply's text), else the error's message. */
export function reasonOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json?: unknown }).json;
    if (typeof json === 'object' && json !== null && 'message' in json && typeof json.message === 'string')
      return json.message.trim();
    if (Buffer.isBuffer(json) || typeof json === 'string') {
      const text = json.toString().trim();
      if (text !== '') return text;
    }
  }
  return err instanceof Error ? err.message.trim() : String(err);
}

/** Socket errors that mean the engine is not there (or not reachable by this user). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

/** An engine error as a NovaError: `what` says what was being done ("stop container web"). */
export function engineError(engine: EngineName, what: string, err: unknown): NovaError {
  if (err instanceof NovaError) return err;
  const status = statusOf(err);
  const reason = reasonOf(err);
  if (status === 404) return new NovaError('not-found', `cannot ${what}: ${reason}`);
  // Podman answers 500 "container state improper" where Docker answers 409.
  if (status === 409 || /already (exists|used|in use)|container state improper/i.test(reason))
    return new NovaError('conflict', `cannot ${what}: ${reason}`);
  if (status === 400) return new NovaError('invalid-input', `cannot ${what}: ${reason}`);
  if (status === undefined && UNREACHABLE.has(errnoOf(err) ?? '')) {
    return new NovaError(
      'backend-unavailable',
      `cannot ${what}: ${engine} does not answer (${reason})`,
      `Start ${engine}, or check that this user may reach its socket.`,
    );
  }
  if (status === undefined && /timeout|socket hang up/i.test(reason)) {
    return new NovaError(
      'backend-unavailable',
      `cannot ${what}: ${engine} did not answer in time (${reason})`,
    );
  }
  return new NovaError('failed', `cannot ${what}: ${reason}`);
}
