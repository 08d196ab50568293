// The helper's signals: libvirt's domain and network events, host link changes, the root-owned
// container engines' events, and libvirt's and the engines' own coming and going, sent to the clients
// that subscribed (unicast), so that no client polls for state.
import { existsSync, watch } from 'node:fs';

import {
  type DomainChanged,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  type HelperSignalName,
  type HelperSignalPayload,
  helperSignals,
  type InstanceState,
  type NetworkChanged,
  type RelayedEngine,
} from '@nova/core';
import {
  type BoundedCaller,
  domainStateFromLibvirt,
  type EngineWatcher,
  LIBVIRT_BUS_NAME,
  mapBounded,
  POLKIT_BUS_NAME,
} from '@nova/core/node';
import { type Message as DBusMessage, Message, type MessageBus, MessageType } from 'dbus-next';

import type { HelperGroupImplementation } from './dispatcher.js';
import { type LibvirtDbusClient, unwrapVariant } from './libvirt/libvirt-dbus.js';

const DOMAIN_EVENTS: DomainChanged['event'][] = [
  'defined',
  'undefined',
  'started',
  'suspended',
  'resumed',
  'stopped',
  'shutdown',
  'pmsuspended',
  'crashed',
];
/**
 * The state libvirt leaves a domain in after each event that says it (virDomainEventType): every
 * "suspended" detail leaves it paused, every "started" or "resumed" one running, every "stopped" one
 * shut off. "defined", "shutdown" and "crashed" do not say it.
 */
const STATE_AFTER_EVENT: Partial<Record<DomainChanged['event'], InstanceState>> = {
  undefined: 'stopped',
  started: 'running',
  suspended: 'paused',
  resumed: 'running',
  stopped: 'stopped',
  pmsuspended: 'suspended',
};
const NETWORK_EVENTS: NetworkChanged['event'][] = ['defined', 'undefined', 'started', 'stopped'];
/** Domain name lookups in flight at once when the helper learns every domain's name. */
const NAME_LOOKUPS_AT_ONCE = 16;
/**
 * How often libvirt's and polkit's health is checked while someone listens: a crash of libvirtd leaves
 * its socket behind and says nothing, so only asking finds it. Their names leaving the bus and the socket
 * watch catch the other cases at once.
 */
const HEALTH_INTERVAL_MS = 2000;
/** How often sockets of engines not followed yet are looked for (an engine installed or started later). */
const ENGINE_POLL_MS = 3000;
/** How long Subscribe waits for the engines' event streams to open, so that it misses nothing after. */
const ENGINE_CONNECT_WAIT_MS = 3000;

/** A domain's UUID from its libvirt-dbus object path (/org/libvirt/QEMU/domain/_<uuid with _>). */
function uuidFromPath(path: string): string | undefined {
  const match = /\/domain\/_([0-9a-f]{8})_([0-9a-f]{4})_([0-9a-f]{4})_([0-9a-f]{4})_([0-9a-f]{12})$/.exec(
    path,
  );
  return match === null ? undefined : match.slice(1).join('-');
}

/** A root-owned container engine whose events the helper follows while someone listens. */
interface FollowedEngine {
  engine: RelayedEngine;
  /** Its socket: followed only while it exists (an engine that is not installed is no news). */
  socket: string;
  /** Follows its container events, reconnecting by itself, until the returned function is called. */
  watch(watcher: EngineWatcher): () => void;
}

export interface EventSources {
  /** Whether polkitd answers (PolkitAuthority.reachable): without it the helper authorizes nothing. */
  polkit?: { reachable(): Promise<{ ok: boolean; detail: string }> };
  /** Starts watching host links; returns how to stop. */
  watchHostLinks?: (onChange: (event: HelperSignalPayload<'HostLinkChanged'>) => void) => { stop(): void };
  containerEngines?: readonly FollowedEngine[];
}

export class EventHub {
  readonly #subscribers = new Set<string>();
  readonly #names = new Map<string, { name: string; uuid: string | undefined }>();
  /** Per domain path: the event being resolved (its name or state asked of libvirt), if any. */
  readonly #domainQueue = new Map<string, Promise<void>>();
  /** Network names by object path: a transient network cannot say its name once it is gone. */
  readonly #networkNames = new Map<string, string>();
  #started = false;
  #stops: (() => void)[] = [];
  #libvirtUp: boolean | undefined;
  #checking = false;
  /** libvirt-dbus was replaced (a new process): its events since the old one died were lost. */
  #libvirtRestarted = false;
  #polkitUp: boolean | undefined;
  #checkingPolkit = false;
  /** How to stop following each engine, while it is followed. */
  readonly #engineWatches = new Map<RelayedEngine, () => void>();
  #enginePoll: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly caller: BoundedCaller,
    private readonly libvirt: LibvirtDbusClient,
    private readonly sources: EventSources,
    private readonly log: (line: string) => void,
  ) {}

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  methods(): HelperGroupImplementation<'events'> {
    return {
      Subscribe: async (_input, call) => {
        this.#subscribers.add(call.sender);
        await this.#start();
        await this.#followEngines();
        return { subscribers: this.#subscribers.size };
      },
      Unsubscribe: (_input, call) => {
        this.#subscribers.delete(call.sender);
        this.#stopEnginesWhenIdle();
        return Promise.resolve({});
      },
    };
  }

  /** Sends a signal to every subscriber; the payload is checked against the contract first. */
  emit<S extends HelperSignalName>(signal: S, payload: HelperSignalPayload<S>): void {
    this.#send([...this.#subscribers], signal, payload);
  }

  /** Sends a signal to one bus name only, subscribed or not (a pull's progress to its caller). */
  sendTo<S extends HelperSignalName>(destination: string, signal: S, payload: HelperSignalPayload<S>): void {
    this.#send([destination], signal, payload);
  }

  #send<S extends HelperSignalName>(
    destinations: string[],
    signal: S,
    payload: HelperSignalPayload<S>,
  ): void {
    if (destinations.length === 0) return;
    const checked = helperSignals[signal].safeParse(payload);
    if (!checked.success) {
      this.log(`not sending a malformed ${signal}: ${checked.error.message}`);
      return;
    }
    const json = JSON.stringify(checked.data);
    for (const destination of destinations) {
      this.bus.send(
        new Message({
          type: MessageType.SIGNAL,
          path: HELPER_OBJECT_PATH,
          interface: HELPER_INTERFACE,
          member: signal,
          signature: 's',
          body: [json],
          destination,
        }),
      );
    }
  }

  /**
   * Follows the events of each root-owned engine whose socket exists, and keeps looking for the others
   * while anyone listens. Resolves once the streams just opened answer (or after a few seconds).
   */
  async #followEngines(): Promise<void> {
    const engines = this.sources.containerEngines ?? [];
    if (engines.length === 0 || this.#subscribers.size === 0) return;
    // The first look after the first Subscribe: engines there from the start are no news.
    const initial = this.#enginePoll === undefined;
    if (initial) {
      this.#enginePoll = setInterval(() => void this.#followEngines(), ENGINE_POLL_MS);
      this.#enginePoll.unref();
    }
    const opened: Promise<void>[] = [];
    for (const source of engines) {
      if (this.#engineWatches.has(source.engine) || !existsSync(source.socket)) continue;
      let first = true;
      let connected: () => void = () => undefined;
      opened.push(
        new Promise<void>((resolve) => {
          connected = resolve;
        }),
      );
      const stop = source.watch({
        event: (event) => {
          this.emit('ContainerChanged', event);
        },
        status: (status) => {
          const quiet = first && initial && status.status === 'available';
          first = false;
          connected();
          if (quiet) return;
          this.log(`${source.engine}'s events: ${status.status} (${status.detail})`);
          this.emit('BackendChanged', {
            backend: source.engine,
            status: status.status,
            detail: status.detail,
          });
        },
      });
      this.#engineWatches.set(source.engine, stop);
    }
    if (opened.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(opened),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ENGINE_CONNECT_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Nobody listens any more: the engines' event streams are closed. */
  #stopEnginesWhenIdle(): void {
    if (this.#subscribers.size === 0) this.#stopEngines();
  }

  #stopEngines(): void {
    if (this.#enginePoll !== undefined) clearInterval(this.#enginePoll);
    this.#enginePoll = undefined;
    for (const stop of this.#engineWatches.values()) stop();
    this.#engineWatches.clear();
  }

  async #start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.bus.on('message', this.#onMessage);
    await this.caller.addMatch(
      "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged'",
    );
    await this.caller.addMatch(`type='signal',sender='${LIBVIRT_BUS_NAME}',interface='org.libvirt.Connect'`);
    await this.#refreshNames().catch(() => undefined);
    this.#libvirtUp = (await this.libvirt.check()).status === 'ok';
    const timer = setInterval(() => {
      void this.#checkLibvirt();
      void this.#checkPolkit();
    }, HEALTH_INTERVAL_MS);
    timer.unref();
    this.#stops.push(() => {
      clearInterval(timer);
    });
    try {
      // libvirtd removes and recreates its socket when it stops and starts: check at once.
      const watcher = watch('/run/libvirt', () => void this.#checkLibvirt());
      watcher.on('error', () => undefined);
      this.#stops.push(() => {
        watcher.close();
      });
    } catch {
      // no /run/libvirt yet: the timer covers it
    }
    const links = this.sources.watchHostLinks?.((event) => {
      this.emit('HostLinkChanged', event);
    });
    if (links !== undefined)
      this.#stops.push(() => {
        links.stop();
      });
  }

  stop(): void {
    this.#stopEngines();
    for (const stop of this.#stops) stop();
    this.#stops = [];
    this.bus.removeListener('message', this.#onMessage);
    this.#started = false;
  }

  async #refreshNames(): Promise<void> {
    const [networkPaths] = await this.caller.call({
      destination: LIBVIRT_BUS_NAME,
      path: '/org/libvirt/QEMU',
      interface: 'org.libvirt.Connect',
      member: 'ListNetworks',
      signature: 'u',
      body: [0],
    });
    for (const path of Array.isArray(networkPaths) ? networkPaths : []) {
      if (typeof path !== 'string' || this.#networkNames.has(path)) continue;
      const [value] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: ['org.libvirt.Network', 'Name'],
      });
      const name = unwrapVariant(value);
      if (typeof name === 'string') this.#networkNames.set(path, name);
    }
    // A thousand domains are a thousand calls: a few at a time, not one after another.
    const unnamed = (await this.libvirt.domainPaths()).filter((path) => !this.#names.has(path));
    await mapBounded(unnamed, NAME_LOOKUPS_AT_ONCE, async (path) => {
      const name = await this.#domainName(path);
      if (name !== undefined && !this.#names.has(path))
        this.#names.set(path, { name, uuid: uuidFromPath(path) });
    });
  }

  #domainName(path: string): Promise<string | undefined> {
    return this.#objectName(path, 'org.libvirt.Domain');
  }

  /** The Name property of a libvirt-dbus object; undefined when it is gone or has none. */
  async #objectName(
    path: string,
    iface: 'org.libvirt.Domain' | 'org.libvirt.Network',
  ): Promise<string | undefined> {
    try {
      const [value] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: [iface, 'Name'],
      });
      const name = unwrapVariant(value);
      return typeof name === 'string' ? name : undefined;
    } catch {
      return undefined;
    }
  }

  async #domainState(path: string): Promise<InstanceState> {
    try {
      const [state] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: 'org.libvirt.Domain',
        member: 'GetState',
        signature: 'u',
        body: [0],
      });
      const value: unknown = Array.isArray(state) ? state[0] : undefined;
      return typeof value === 'number' ? domainStateFromLibvirt(value) : 'unknown';
    } catch {
      return 'stopped';
    }
  }

  /**
   * Asks libvirt (through libvirt-dbus) whether it answers, and tells subscribers when that changed. The
   * call itself is what recovers: it makes the bus start libvirt-dbus again, and libvirt-dbus reconnect
   * to a libvirtd that came back, registering its event callbacks anew.
   */
  async #checkLibvirt(): Promise<void> {
    if (this.#checking || this.#subscribers.size === 0) return;
    this.#checking = true;
    try {
      const check = await this.libvirt.check();
      const up = check.status === 'ok';
      if (up === this.#libvirtUp && !(up && this.#libvirtRestarted)) return;
      this.#libvirtUp = up;
      if (!up) {
        this.log(`libvirt went away: ${check.detail}`);
        this.emit('BackendChanged', { backend: 'libvirt', status: 'unavailable', detail: check.detail });
        return;
      }
      this.#libvirtRestarted = false;
      this.log('libvirt is back');
      this.#names.clear();
      // Definitions remembered from before may be stale: libvirt's events in between were lost.
      this.libvirt.forgetDomain();
      await this.#refreshNames().catch(() => undefined);
      // Fresh state with the news, so that clients need not ask.
      const domains = await this.libvirt.listDomains().catch(() => undefined);
      this.emit('BackendChanged', {
        backend: 'libvirt',
        status: 'available',
        detail: check.detail,
        ...(domains === undefined ? {} : { domains }),
      });
    } finally {
      this.#checking = false;
    }
  }

  /** Asks polkitd whether it answers, and tells subscribers when that changed. */
  async #checkPolkit(): Promise<void> {
    const polkit = this.sources.polkit;
    if (polkit === undefined || this.#checkingPolkit || this.#subscribers.size === 0) return;
    this.#checkingPolkit = true;
    try {
      const check = await polkit.reachable();
      // The first look: a polkit that answers is no news (the subscription itself was authorized).
      if (check.ok === (this.#polkitUp ?? true)) {
        this.#polkitUp = check.ok;
        return;
      }
      this.#polkitUp = check.ok;
      this.log(check.ok ? 'polkit is back' : `polkit went away: ${check.detail}`);
      this.emit('BackendChanged', {
        backend: 'polkit',
        status: check.ok ? 'available' : 'unavailable',
        detail: check.detail,
      });
    } finally {
      this.#checkingPolkit = false;
    }
  }

  /** A service Nova depends on left the bus or came back: look at once rather than at the next tick. */
  #onOwnerChanged(name: string, newOwner: string): void {
    if (name === LIBVIRT_BUS_NAME) {
      // Before the first check (#start) there is nothing to compare with: that check tells.
      if (this.#libvirtUp === undefined) return;
      if (newOwner !== '') this.#libvirtRestarted = true;
      void this.#checkLibvirt();
    } else if (name === POLKIT_BUS_NAME) {
      void this.#checkPolkit();
    }
  }

  readonly #onMessage = (message: DBusMessage): void => {
    if (message.type !== MessageType.SIGNAL) return;
    const header = message as unknown as {
      sender?: string;
      interface?: string;
      member?: string;
      body: unknown[];
    };
    if (header.interface === 'org.freedesktop.DBus' && header.member === 'NameOwnerChanged') {
      if (header.sender !== 'org.freedesktop.DBus') return;
      const [name, , newOwner] = header.body;
      if (typeof name !== 'string' || typeof newOwner !== 'string') return;
      if (name.startsWith(':') && newOwner === '') {
        this.#subscribers.delete(name);
        this.#stopEnginesWhenIdle();
      } else this.#onOwnerChanged(name, newOwner);
      return;
    }
    if (header.interface !== 'org.libvirt.Connect') return;
    const [path, event] = header.body;
    if (typeof path !== 'string' || typeof event !== 'number') return;
    if (header.member === 'DomainEvent') this.#onDomainEvent(path, event);
    else if (header.member === 'NetworkEvent') void this.#onNetworkEvent(path, event);
  };

  /**
   * A domain's events are told in the order libvirt sent them. Most events say the state they leave the
   * domain in, and are told at once, without asking libvirt (which, busy, may take tens of ms to answer);
   * the others ask it (GetState), and events of the same domain after them wait their turn.
   */
  #onDomainEvent(path: string, code: number): void {
    const event = DOMAIN_EVENTS[code] ?? 'unknown';
    const known = this.#names.get(path);
    const queued = this.#domainQueue.get(path);
    const stateAfter = STATE_AFTER_EVENT[event];
    if (queued === undefined && known !== undefined && stateAfter !== undefined) {
      this.#tellDomain(path, known, event, stateAfter);
      return;
    }
    // #resolveDomainEvent catches libvirt's errors itself; a failure of the bus must not stop the queue.
    const next = (queued ?? Promise.resolve())
      .then(() => this.#resolveDomainEvent(path, event))
      .catch(() => undefined);
    this.#domainQueue.set(path, next);
    void next.finally(() => {
      if (this.#domainQueue.get(path) === next) this.#domainQueue.delete(path);
    });
  }

  async #resolveDomainEvent(path: string, event: DomainChanged['event']): Promise<void> {
    let known = this.#names.get(path);
    if (known === undefined) {
      const name = await this.#domainName(path);
      if (name === undefined) return;
      known = { name, uuid: uuidFromPath(path) };
      this.#names.set(path, known);
    }
    const state = STATE_AFTER_EVENT[event] ?? (await this.#domainState(path));
    this.#tellDomain(path, known, event, state);
  }

  #tellDomain(
    path: string,
    known: { name: string; uuid: string | undefined },
    event: DomainChanged['event'],
    state: InstanceState,
  ): void {
    if (event === 'undefined') this.#names.delete(path);
    this.emit('DomainChanged', {
      name: known.name,
      ...(known.uuid === undefined ? {} : { uuid: known.uuid }),
      event,
      state,
    });
  }

  async #onNetworkEvent(path: string, code: number): Promise<void> {
    // Gone already: the name seen before stands.
    let name = this.#networkNames.get(path);
    const current = await this.#objectName(path, 'org.libvirt.Network');
    if (current !== undefined) {
      name = current;
      this.#networkNames.set(path, current);
    }
    if (name !== undefined) this.emit('NetworkChanged', { name, event: NETWORK_EVENTS[code] ?? 'unknown' });
  }
}
