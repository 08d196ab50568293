// Doing something with the caller's own rights: a child process running as the caller's uid and primary
// group opens the file, so the helper (root) never reads or resolves a path the caller could not.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

import { NovaError } from '@nova/core';

import type { CallContext } from '../dispatcher.js';
import { primaryGroup } from './upload.js';

export interface CallerIdentity {
  uid: number;
  gid: number;
}

/** A plain environment: English messages (they are matched), programs from the system's path only. */
const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' };

/** The caller's uid (as the bus says) and primary group; refuses when the bus could not say. */
export async function callerIdentity(call: CallContext): Promise<CallerIdentity> {
  if (call.uid === undefined) {
    throw new NovaError(
      'not-authorized',
      'the helper cannot tell which user is calling (the system bus did not say), so it acts for nobody',
    );
  }
  const gid = call.uid === 0 ? 0 : await primaryGroup(call.uid);
  if (gid === undefined) throw new NovaError('failed', `uid ${call.uid} has no entry in /etc/passwd`);
  return { uid: call.uid, gid };
}

/** Starts `file args` as the caller: stdout is a stream, stderr is collected. */
export function spawnAsCaller(
  identity: CallerIdentity,
  file: string,
  args: string[],
): { child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<number>; stderr: () => string } {
  const child = spawn(file, args, {
    uid: identity.uid,
    gid: identity.gid,
    cwd: '/',
    env: CHILD_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  const exited = new Promise<number>((resolve) => {
    child.on('error', (err) => {
      stderr += err.message;
      resolve(127);
    });
    child.on('close', (code) => {
      resolve(code ?? 1);
    });
  });
  return { child, exited, stderr: () => stderr.trim() };
}

/** Runs `file args` as the caller to the end; resolves with its exit code and output. */
export async function runAsCaller(
  identity: CallerIdentity,
  file: string,
  args: string[],
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const { child, exited, stderr } = spawnAsCaller(identity, file, args);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await exited;
  return { code, stdout: Buffer.concat(chunks), stderr: stderr() };
}

/** The error for a path the caller's own process could not reach: `what` says what it was for. */
export function unreachableError(what: string, path: string, stderr: string): NovaError {
  // "cat: /x: Is a directory" → "Is a directory"
  const reason = (stderr.split('\n')[0] ?? '').split(': ').pop() ?? '';
  if (/permission denied/i.test(stderr)) {
    return new NovaError(
      'not-authorized',
      `${what}: cannot read ${path}: permission denied`,
      'Nova reads it with your own rights, not the helper’s: you must be able to read it yourself.',
    );
  }
  if (/no such file|not a directory/i.test(stderr)) {
    return new NovaError('not-found', `${what}: ${path} does not exist`);
  }
  return new NovaError('failed', `${what}: cannot read ${path}: ${reason || 'it could not be read'}`);
}
