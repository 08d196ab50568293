import { existsSync } from 'node:fs';

import { type MessageBus, systemBus } from 'dbus-next';

import { NovaError } from '../contract/errors.js';

const DEFAULT_SYSTEM_BUS_SOCKET = '/run/dbus/system_bus_socket';

function systemBusSocketPath(): string | undefined {
  const address = process.env['DBUS_SYSTEM_BUS_ADDRESS'];
  if (address === undefined) return DEFAULT_SYSTEM_BUS_SOCKET;
  const match = /^unix:path=([^,;]+)/.exec(address);
  return match?.[1];
}

/**
 * Connects to the system bus and waits until the connection is usable, so that a missing bus is one
 * clear error here instead of a call that never answers later.
 */
export async function connectSystemBus(timeoutMs = 5000): Promise<MessageBus> {
  const socket = systemBusSocketPath();
  if (socket !== undefined && !existsSync(socket)) {
    throw new NovaError(
      'backend-unavailable',
      `the system D-Bus is not running (no socket at ${socket})`,
      'Start it (systemctl start dbus, or dbus-daemon --system --fork), or run `npm run lab up`.',
    );
  }
  const bus = systemBus();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new NovaError('backend-unavailable', `the system D-Bus did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: unknown): void => {
      cleanup();
      const reason = err instanceof Error ? err.message : String(err);
      reject(new NovaError('backend-unavailable', `cannot connect to the system D-Bus: ${reason}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      bus.removeListener('connect', onConnect);
      bus.removeListener('error', onError);
    };
    bus.on('connect', onConnect);
    bus.on('error', onError);
  });
  // Later connection errors reject the calls that are waiting (see BoundedCaller's timeout); an
  // unhandled 'error' event would crash the process instead.
  bus.on('error', () => undefined);
  return bus;
}
