// What the bundle's steps gather, before redaction: each file with why it is there, each source that
// could not be read with the reason, and notes for the reader; with the small tools the steps share.
import { execFile } from 'node:child_process';

import { toErrorData } from '../contract/errors.js';

/** One file of the bundle as gathered: its path inside the bundle, why it is there, its text. */
export interface Gathered {
  path: string;
  why: string;
  content: string;
}

/** Collects what the steps find, in the order they find it (the manifest keeps that order). */
export class Gathering {
  readonly files: Gathered[] = [];
  readonly skipped: { source: string; reason: string }[] = [];
  readonly notes: string[] = [];

  add(path: string, why: string, content: string): void {
    this.files.push({ path, why, content });
  }

  /** A source that could not be read: listed in the manifest, with the reason. */
  skip(source: string, reason: string): void {
    this.skipped.push({ source, reason });
  }

  note(text: string): void {
    this.notes.push(text);
  }
}

/** How long a single source may take before it is skipped. */
const SOURCE_TIMEOUT_MS = 20_000;

export const reasonOf = (err: unknown): string => toErrorData(err).message;

export const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** A name made safe for a path inside the bundle. */
export const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export function withTimeout<T>(promise: Promise<T>, what: string, ms = SOURCE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what} did not answer within ${ms / 1000} s`));
      }, ms);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
}

/** A program's output (its stderr when it writes nothing else, as `libvirtd --version` may). */
export function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolvePromise(stdout.trim() === '' ? stderr : stdout);
    });
  });
}
