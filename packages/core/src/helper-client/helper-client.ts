import { randomUUID } from 'node:crypto';

import { DBusError, type Message, type MessageBus, MessageType } from 'dbus-next';

import { describeZodError, NovaError } from '../contract/errors.js';
import {
  CallId,
  errorCodeForHelperErrorName,
  HELPER_BUS_NAME,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  helperCallTimeoutMs,
  type HelperInput,
  type HelperMethodName,
  helperMethods,
  type HelperOutput,
  type HelperSignalName,
  type HelperSignalPayload,
  helperSignals,
  isHelperSignalName,
} from '../contract/helper/index.js';
import { BoundedCaller } from '../dbus/bounded-caller.js';
import { connectSystemBus } from '../dbus/system-bus.js';

/** Maps what the bus or the helper answered to Nova's error codes, with a next step for the user. */
export function helperCallError(err: unknown, method: string): NovaError {
  if (err instanceof NovaError) return err;
  if (err instanceof DBusError) {
    const code = errorCodeForHelperErrorName(err.type);
    if (code !== undefined) {
      // The helper sends its hint as a second string.
      const detail: unknown = (err.reply as { body?: unknown[] } | null | undefined)?.body?.[1];
      return new NovaError(code, err.text, typeof detail === 'string' ? detail : undefined);
    }
    switch (err.type) {
      case 'org.freedesktop.DBus.Error.ServiceUnknown':
      case 'org.freedesktop.DBus.Error.NameHasNoOwner':
        return new NovaError(
          'backend-unavailable',
          `Nova's helper (${HELPER_BUS_NAME}) is not installed on the system bus`,
          'Install Nova’s package, or from a checkout run `npm run build && npm run lab -- install-helper` as root.',
        );
      case 'org.freedesktop.DBus.Error.Spawn.ChildExited':
      case 'org.freedesktop.DBus.Error.Spawn.ExecFailed':
      case 'org.freedesktop.DBus.Error.Spawn.Failed':
      case 'org.freedesktop.DBus.Error.Spawn.FileInvalid':
        return new NovaError('backend-unavailable', `Nova's helper failed to start: ${err.text}`);
      case 'org.freedesktop.DBus.Error.AccessDenied':
        return new NovaError(
          'not-authorized',
          `the system bus refused this call to Nova's helper (${method}): ${err.text}`,
        );
      case 'org.freedesktop.DBus.Error.NoReply':
      case 'org.freedesktop.DBus.Error.Timeout':
      case 'org.freedesktop.DBus.Error.Disconnected':
        return new NovaError('backend-unavailable', `Nova's helper did not answer ${method}: ${err.text}`);
      default:
        return new NovaError('failed', `Nova's helper: ${err.text} (${err.type})`);
    }
  }
  if (err instanceof Error && (err.name === 'DBusCallTimeout' || err.name === 'DBusDisconnected')) {
    return new NovaError('backend-unavailable', `Nova's helper did not answer: ${err.message}`);
  }
  return new NovaError('failed', err instanceof Error ? err.message : String(err));
}

/** A fresh id for one call: random, so that the ids of two clients never meet in the audit log. */
export function newCallId(): string {
  return randomUUID();
}

/** An error of one helper call, carrying that call's id: the key of its entry in the helper's audit log. */
export class HelperCallError extends NovaError {
  constructor(
    error: NovaError,
    readonly method: string,
    readonly callId: string,
  ) {
    super(error.code, error.message, error.detail);
    this.name = 'HelperCallError';
  }
}

export interface HelperCallOptions {
  /** The call's id (CallId in the contract); a fresh random one by default. */
  callId?: string;
}

type SignalListener = <S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>) => void;

/** Calls the privileged helper through the contract: input checked before sending, output after. */
export class HelperClient {
  readonly #caller: BoundedCaller;

  constructor(readonly bus: MessageBus) {
    this.#caller = new BoundedCaller(bus);
  }

  static async connect(): Promise<HelperClient> {
    return new HelperClient(await connectSystemBus());
  }

  /**
   * Calls one method with a call id (a fresh one unless `options` names it), which the helper's audit
   * log records; an error of the call is a {@link HelperCallError} that carries it.
   */
  async call<M extends HelperMethodName>(
    method: M,
    input: HelperInput<M>,
    options: HelperCallOptions = {},
  ): Promise<HelperOutput<M>> {
    const callId = options.callId ?? newCallId();
    const fail = (code: NovaError['code'], message: string, detail?: string) =>
      new HelperCallError(new NovaError(code, message, detail), method, callId);
    const id = CallId.safeParse(callId);
    if (!id.success)
      throw fail(
        'invalid-input',
        `${method}: callId: ${id.error.issues.map((issue) => issue.message).join('; ')}`,
      );
    const spec = helperMethods[method];
    const request = spec.input.safeParse(input);
    if (!request.success) {
      throw fail('invalid-input', `${method}: ${describeZodError(request.error)}`);
    }
    let body: unknown[];
    try {
      body = await this.#caller.call({
        destination: HELPER_BUS_NAME,
        path: HELPER_OBJECT_PATH,
        interface: HELPER_INTERFACE,
        member: method,
        signature: 'ss',
        body: [JSON.stringify(request.data), callId],
        timeoutMs: helperCallTimeoutMs(method, request.data),
      });
    } catch (err) {
      throw new HelperCallError(helperCallError(err, method), method, callId);
    }
    const [reply] = body;
    if (typeof reply !== 'string') throw fail('failed', `Nova's helper sent a malformed reply to ${method}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(reply);
    } catch {
      throw fail('failed', `Nova's helper sent a reply to ${method} that is not JSON`);
    }
    const output = spec.output.safeParse(parsed);
    if (!output.success) {
      throw fail(
        'failed',
        `Nova's helper sent a reply to ${method} that does not match the contract: ${describeZodError(output.error)}`,
        'The helper and this program may be different versions; reinstall Nova.',
      );
    }
    return output.data as HelperOutput<M>;
  }

  readonly #listeners = new Set<SignalListener>();
  readonly #subscribers = new Set<SignalListener>();
  readonly #ownerListeners = new Set<(owner: string | undefined) => void>();
  /** The helper's unique bus name now: signals from anyone else are ignored, whatever they claim. */
  #helperOwner: string | undefined;
  #watching: Promise<void> | undefined;

  readonly #onMessage = (message: Message): void => {
    const header = message as unknown as {
      type: number;
      sender?: string;
      interface?: string;
      member?: string;
      body: unknown[];
    };
    if (header.type !== MessageType.SIGNAL) return;
    if (header.interface === 'org.freedesktop.DBus' && header.member === 'NameOwnerChanged') {
      if (header.sender !== 'org.freedesktop.DBus') return;
      const [name, , owner] = header.body;
      if (name !== HELPER_BUS_NAME || typeof owner !== 'string') return;
      this.#helperOwner = owner === '' ? undefined : owner;
      if (owner !== '' && this.#subscribers.size > 0) void this.call('Subscribe', {}).catch(() => undefined);
      for (const listener of [...this.#ownerListeners]) listener(this.#helperOwner);
      return;
    }
    if (header.sender === undefined || header.sender !== this.#helperOwner) return;
    if (
      header.interface !== HELPER_INTERFACE ||
      header.member === undefined ||
      !isHelperSignalName(header.member)
    )
      return;
    const [json] = header.body;
    if (typeof json !== 'string') return;
    let payload: unknown;
    try {
      payload = JSON.parse(json);
    } catch {
      return;
    }
    const parsed = helperSignals[header.member].safeParse(payload);
    if (!parsed.success) return;
    for (const listener of [...this.#listeners, ...this.#subscribers])
      listener(header.member, parsed.data as HelperSignalPayload<typeof header.member>);
  };

  /** Starts following who owns the helper's name, once. */
  #watchOwner(): Promise<void> {
    this.#watching ??= (async () => {
      this.bus.on('message', this.#onMessage);
      await this.#caller.addMatch(
        `type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${HELPER_BUS_NAME}'`,
      );
      try {
        const [owner] = await this.#caller.call({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'GetNameOwner',
          signature: 's',
          body: [HELPER_BUS_NAME],
        });
        if (typeof owner === 'string') this.#helperOwner ??= owner;
      } catch {
        // Not running yet: activation by the first call makes NameOwnerChanged tell us.
      }
    })();
    return this.#watching;
  }

  /**
   * Receives the signals the helper sends to this connection anyway (ImageProgress for a pull this
   * client asked for), without subscribing to its change signals.
   */
  async listen(listener: SignalListener): Promise<() => void> {
    await this.#watchOwner();
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Receives the helper's signals until the returned function is called. If the helper restarts, the
   * subscription is renewed with the new one.
   */
  async subscribe(listener: SignalListener): Promise<() => Promise<void>> {
    await this.#watchOwner();
    this.#subscribers.add(listener);
    try {
      await this.call('Subscribe', {});
      // The first call may have started the helper: ask again who it is.
      if (this.#helperOwner === undefined) {
        const [owner] = await this.#caller.call({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'GetNameOwner',
          signature: 's',
          body: [HELPER_BUS_NAME],
        });
        if (typeof owner === 'string') this.#helperOwner = owner;
      }
    } catch (err) {
      this.#subscribers.delete(listener);
      throw err;
    }
    return async () => {
      this.#subscribers.delete(listener);
      if (this.#subscribers.size === 0) await this.call('Unsubscribe', {}).catch(() => undefined);
    };
  }

  /**
   * Tells `listener` each time the helper's bus name changes owner: undefined when the helper went away
   * (it exited or was killed), its new unique name when one took its place.
   */
  async onOwnerChange(listener: (owner: string | undefined) => void): Promise<() => void> {
    await this.#watchOwner();
    this.#ownerListeners.add(listener);
    return () => this.#ownerListeners.delete(listener);
  }

  /** Whether the bus connection was lost (the client then needs replacing). */
  get lost(): boolean {
    return this.#caller.lost;
  }

  close(): void {
    this.bus.disconnect();
  }
}
