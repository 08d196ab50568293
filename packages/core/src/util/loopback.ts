import { isIP } from 'node:net';

/** Whether only this machine can reach the host: localhost, 127.0.0.0/8, ::1 (with or without [ ]). */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}
