// The processes host networking starts: iproute2, nft and dnsmasq, always as argv (execFile, no shell).
import { execFile } from 'node:child_process';

import { NovaError } from '@nova/core';

/** Runs `ip` with these arguments and resolves with its stdout. */
export type Ip = (args: string[]) => Promise<string>;

/** Runs a program with these arguments (and optional stdin) and resolves with its stdout. */
export type Exec = (file: string, args: string[], stdin?: string) => Promise<string>;

export const exec: Exec = (file, args, stdin) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        timeout: 30_000,
        maxBuffer: 16 * 1024 * 1024,
        // Error messages are passed on to the user and matched in a few places: keep them in English.
        env: { ...process.env, LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else
          reject(
            new NovaError('failed', `${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`),
          );
      },
    );
    // A program that exits before reading its input must not crash the helper with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });

export const ip: Ip = (args) => exec('ip', args);
