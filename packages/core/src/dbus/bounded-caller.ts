import { DBusError, Message, type MessageBus } from 'dbus-next';

import { Semaphore } from '../util/semaphore.js';

/**
 * dbus-daemon refuses calls past its per-connection limit of pending replies (128 on Debian), with
 * this error; cockpit-machines lost VMs to it. We stay well under the limit and retry what it refused.
 */
export const LIMITS_EXCEEDED = 'org.freedesktop.DBus.Error.LimitsExceeded';
const DEFAULT_MAX_IN_FLIGHT = 32;
const DEFAULT_CALL_TIMEOUT_MS = 25_000;

export interface CallOptions {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
  timeoutMs?: number;
}

export interface BoundedCallerOptions {
  maxInFlight?: number;
  retries?: number;
  retryDelayMs?: number;
}

class DBusDisconnected extends Error {
  constructor(reason: string) {
    super(`the D-Bus connection was lost: ${reason}`);
    this.name = 'DBusDisconnected';
  }
}

export class DBusCallTimeout extends Error {
  constructor(
    readonly call: string,
    timeoutMs: number,
  ) {
    super(`${call} did not answer within ${timeoutMs} ms`);
    this.name = 'DBusCallTimeout';
  }
}

/** Every call a Nova process makes on one bus connection goes through one of these. */
export class BoundedCaller {
  readonly #semaphore: Semaphore;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  /** How many calls the bus refused and were retried; for tests and diagnostics. */
  retried = 0;
  /** The most calls that were ever in flight at once. */
  peakInFlight = 0;
  readonly #pending = new Set<(err: Error) => void>();
  #lost: Error | undefined;

  constructor(
    readonly bus: MessageBus,
    options: BoundedCallerOptions = {},
  ) {
    this.#semaphore = new Semaphore(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.#retries = options.retries ?? 8;
    this.#retryDelayMs = options.retryDelayMs ?? 20;
    // dbus-next leaves calls waiting forever when the connection closes; fail them at once instead.
    const lose = (reason: string): void => {
      this.#lost = new DBusDisconnected(reason);
      for (const reject of this.#pending) reject(this.#lost);
      this.#pending.clear();
    };
    bus.on('error', (err: unknown) => {
      lose(err instanceof Error ? err.message : String(err));
    });
    // The stream's end is only visible on the (private) connection object of dbus-next 0.10.
    const connection = (bus as unknown as { _connection?: NodeJS.EventEmitter })._connection;
    connection?.on('end', () => {
      lose('the bus closed the connection');
    });
  }

  /** Whether the connection was lost; a lost caller fails every call, so make a new connection. */
  get lost(): boolean {
    return this.#lost !== undefined;
  }

  get inFlight(): number {
    return this.#semaphore.inUse;
  }

  /** Calls a method and resolves with the reply's body; rejects with the DBusError of an error reply. */
  async call(options: CallOptions): Promise<unknown[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#semaphore.run(() => {
          this.peakInFlight = Math.max(this.peakInFlight, this.#semaphore.inUse);
          return this.#callOnce(options);
        });
      } catch (err) {
        if (err instanceof DBusError && err.type === LIMITS_EXCEEDED && attempt < this.#retries) {
          this.retried += 1;
          await delay(this.#retryDelayMs * 2 ** attempt);
          continue;
        }
        throw err;
      }
    }
  }

  async #callOnce(options: CallOptions): Promise<unknown[]> {
    const message = new Message({
      destination: options.destination,
      path: options.path,
      interface: options.interface,
      member: options.member,
      ...(options.signature === undefined ? {} : { signature: options.signature }),
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    if (this.#lost !== undefined) throw this.#lost;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    let rejectWaiting: ((err: Error) => void) | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      rejectWaiting = reject;
      timer = setTimeout(() => {
        reject(
          new DBusCallTimeout(`${options.destination} ${options.interface}.${options.member}`, timeoutMs),
        );
      }, timeoutMs);
    });
    if (rejectWaiting !== undefined) this.#pending.add(rejectWaiting);
    try {
      const reply = await Promise.race([this.bus.call(message), timeout]);
      return (reply?.body ?? []) as unknown[];
    } finally {
      clearTimeout(timer);
      if (rejectWaiting !== undefined) this.#pending.delete(rejectWaiting);
    }
  }

  /** Asks the bus to route the signals a match rule selects to this connection (AddMatch). */
  async addMatch(rule: string): Promise<void> {
    await this.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: [rule],
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
