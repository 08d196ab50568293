// Reading libvirt through libvirt-dbus: domains, their stats and facts, networks, the connection.
// Used by the privileged helper only; unprivileged processes ask the helper.
import {
  type DomainFacts,
  type DomainStats,
  type DomainSummary,
  type NetworkSummary,
  NovaError,
  type ServiceCheck,
} from '@nova/core';
import {
  type BoundedCaller,
  domainStateFromLibvirt,
  type DomainXmlFacts,
  LIBVIRT_BUS_NAME,
  LIBVIRT_QEMU_PATH,
  mapBounded,
  parseDomainXml,
  parseNetworkXml,
} from '@nova/core/node';
import { DBusError, Variant } from 'dbus-next';

export const LIBVIRT_CONNECT_INTERFACE = 'org.libvirt.Connect';
const LIBVIRT_DOMAIN_INTERFACE = 'org.libvirt.Domain';
const LIBVIRT_NETWORK_INTERFACE = 'org.libvirt.Network';

/** virDomainStatsTypes: state, balloon (memory), vcpu. */
const STATS_STATE = 1;
/** virConnectGetAllDomainStatsFlags: running or paused domains only. */
const CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE = 1;
const STATS_CPU = 2;
const STATS_BALLOON = 4;
const STATS_VCPU = 8;
const STATS_INTERFACE = 16;
const STATS_BLOCK = 32;
/** Per-domain calls in flight on our one connection; the bus allows 128 pending replies. */
const PER_DOMAIN_CONCURRENCY = 16;
/** virConnectListAllDomainsFlags (libvirt-domain.h). */
const LIST_DOMAINS_ACTIVE = 1;
const LIST_DOMAINS_AUTOSTART = 1 << 10;

const NOT_FOUND_ERRORS = new Set([
  'org.libvirt.Error.NoDomain',
  'org.libvirt.Error.NoNetwork',
  'org.freedesktop.DBus.Error.UnknownObject',
]);

/** libvirt-dbus wraps values in GetAll/GetStats in one extra variant; unwrap however many there are. */
export function unwrapVariant(value: unknown): unknown {
  let current = value;
  while (current instanceof Variant) current = current.value;
  return current;
}

function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new NovaError('failed', `libvirt-dbus sent ${what} of the wrong type`);
  return value;
}

function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new NovaError('failed', `libvirt-dbus sent ${what} of the wrong type`);
  return value;
}

function numberOf(value: unknown): number | undefined {
  const plain = unwrapVariant(value);
  if (typeof plain === 'number') return plain;
  if (typeof plain === 'bigint') return Number(plain);
  return undefined;
}

/** Maps a D-Bus error from libvirt-dbus or the bus to Nova's codes, with what to do next. */
export function libvirtError(err: unknown): NovaError {
  if (err instanceof NovaError) return err;
  if (err instanceof DBusError) {
    if (
      err.type === 'org.freedesktop.DBus.Error.ServiceUnknown' ||
      err.type === 'org.freedesktop.DBus.Error.Spawn.ChildExited' ||
      err.type === 'org.freedesktop.DBus.Error.Spawn.ExecFailed'
    ) {
      return new NovaError(
        'backend-unavailable',
        `libvirt is unreachable: libvirt-dbus (org.libvirt) is not available on the system bus (${err.text})`,
        err.type === 'org.freedesktop.DBus.Error.ServiceUnknown'
          ? 'Install the libvirt-dbus package (its bus activation file org.libvirt.service is missing).'
          : 'libvirt-dbus failed to start: see the system bus log, and check that libvirtd runs.',
      );
    }
    if (err.type === 'org.freedesktop.DBus.Error.AccessDenied') {
      return new NovaError('not-authorized', `libvirt-dbus refused the call: ${err.text}`);
    }
    if (err.type.startsWith('org.libvirt.Error') && /connect|socket|No such file/i.test(err.text)) {
      return new NovaError(
        'backend-unavailable',
        `libvirt is unreachable: ${err.text}`,
        'Start libvirtd (systemctl start libvirtd, or libvirtd -d), then try again.',
      );
    }
    return new NovaError('failed', `libvirt: ${err.text} (${err.type})`);
  }
  if (err instanceof Error && err.name === 'DBusCallTimeout') {
    return new NovaError('backend-unavailable', `libvirt is unreachable: ${err.message}`);
  }
  return new NovaError('failed', `libvirt: ${err instanceof Error ? err.message : String(err)}`);
}

/** How long a remembered domain definition is trusted at most, even with no signal about it. */
const DEFINITION_TTL_MS = 60_000;

/** libvirt through libvirt-dbus, as cockpit-machines does. Every call goes through one BoundedCaller. */
export class LibvirtDbusClient {
  /** Domain definitions read before, by object path, while someone tells of every change to them. */
  readonly #definitions = new Map<string, { facts: DomainXmlFacts; at: number }>();
  #remember = false;
  /** Counts forgetDomain calls, so that a definition read while one came is not kept. */
  #forgets = 0;
  #allForgottenAt = 0;
  readonly #forgottenAt = new Map<string, number>();

  constructor(
    private readonly caller: BoundedCaller,
    readonly connectPath: string = LIBVIRT_QEMU_PATH,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Lets listDomains remember each domain's definition (its XML) between listings instead of reading
   * a thousand XML documents each time. Whoever turns this on must call forgetDomain for every signal
   * libvirt sends about a domain (a lifecycle event, a change of metadata), and forgetDomain() when
   * libvirt-dbus restarts; a definition is read again after a minute whatever happens.
   */
  rememberDefinitions(enabled: boolean): void {
    this.#remember = enabled;
    if (!enabled) this.#definitions.clear();
  }

  /** Forgets the remembered definition of the domain at `path`, or of every domain. */
  forgetDomain(path?: string): void {
    this.#forgets++;
    if (path === undefined || this.#forgottenAt.size > 10_000) {
      this.#definitions.clear();
      this.#forgottenAt.clear();
      this.#allForgottenAt = this.#forgets;
    }
    if (path !== undefined) {
      this.#definitions.delete(path);
      this.#forgottenAt.set(path, this.#forgets);
    }
  }

  #forgottenSince(path: string, mark: number): boolean {
    return this.#allForgottenAt > mark || (this.#forgottenAt.get(path) ?? 0) > mark;
  }

  get connectionUri(): string {
    return this.connectPath === LIBVIRT_QEMU_PATH ? 'qemu:///system' : `libvirt-dbus:${this.connectPath}`;
  }

  async #connect(member: string, signature?: string, body?: unknown[]): Promise<unknown[]> {
    try {
      return await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path: this.connectPath,
        interface: LIBVIRT_CONNECT_INTERFACE,
        member,
        ...(signature === undefined ? {} : { signature }),
        ...(body === undefined ? {} : { body }),
      });
    } catch (err) {
      throw libvirtError(err);
    }
  }

  /**
   * CPU, memory, disk and network counters of every domain, in one call (GetAllDomainStats): the way
   * to sample hundreds of VMs without a call each.
   */
  async allDomainStats(options: { activeOnly?: boolean } = {}): Promise<DomainStats[]> {
    const [records] = await this.#connect('GetAllDomainStats', 'uu', [
      STATS_STATE | STATS_CPU | STATS_BALLOON | STATS_VCPU | STATS_INTERFACE | STATS_BLOCK,
      options.activeOnly === true ? CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE : 0,
    ]);
    return expectArray(records, 'GetAllDomainStats').flatMap((record) => {
      const [name, raw] = expectArray(record, 'a stats record');
      if (typeof name !== 'string' || typeof raw !== 'object' || raw === null) return [];
      const stats = raw as Record<string, unknown>;
      const value = (key: string) => numberOf(stats[key]) ?? 0;
      const sum = (prefix: 'block' | 'net', field: string) => {
        let total = 0;
        for (let i = 0; i < value(`${prefix}.count`); i++) total += value(`${prefix}.${i}.${field}`);
        return total;
      };
      const state = numberOf(stats['state.state']);
      const unused = numberOf(stats['balloon.unused']);
      const available = numberOf(stats['balloon.available']);
      return [
        {
          name,
          state: state === undefined ? 'unknown' : domainStateFromLibvirt(state),
          cpuTimeNs: value('cpu.time'),
          vcpus: value('vcpu.current'),
          memoryBytes: value('balloon.current') * 1024,
          ...(unused !== undefined && available !== undefined
            ? { memoryUsedBytes: (available - unused) * 1024 }
            : {}),
          diskReadBytes: sum('block', 'rd.bytes'),
          diskWriteBytes: sum('block', 'wr.bytes'),
          netRxBytes: sum('net', 'rx.bytes'),
          netTxBytes: sum('net', 'tx.bytes'),
        },
      ];
    });
  }

  /** The object paths of every domain, or of those libvirt's filter flags select (virConnectListAllDomainsFlags). */
  async domainPaths(flags = 0): Promise<string[]> {
    const [paths] = await this.#connect('ListDomains', 'u', [flags]);
    return expectArray(paths, 'ListDomains').map((path) => expectString(path, 'a domain path'));
  }

  /** Drops remembered definitions of domains no longer listed. */
  #forgetUnlisted(domainPaths: readonly string[]): void {
    if (!this.#remember) return;
    const listed = new Set(domainPaths);
    for (const path of this.#definitions.keys()) if (!listed.has(path)) this.#definitions.delete(path);
  }

  /** A domain's definition: remembered, or read (GetXMLDesc); undefined when the domain is gone. */
  async #definition(path: string): Promise<DomainXmlFacts | undefined> {
    const remembered = this.#remember ? this.#definitions.get(path) : undefined;
    if (remembered !== undefined && this.now() - remembered.at < DEFINITION_TTL_MS) return remembered.facts;
    const at = this.now();
    const mark = this.#forgets;
    let xml: string;
    try {
      const [reply] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: LIBVIRT_DOMAIN_INTERFACE,
        member: 'GetXMLDesc',
        signature: 'u',
        body: [0],
      });
      xml = expectString(reply, 'GetXMLDesc');
    } catch (err) {
      if (err instanceof DBusError && (NOT_FOUND_ERRORS.has(err.type) || /not found/i.test(err.text))) {
        return undefined;
      }
      throw libvirtError(err);
    }
    const facts = parseDomainXml(xml);
    // A signal that came while it was read cleared nothing yet: what was read before it is not kept.
    if (this.#remember && !this.#forgottenSince(path, mark)) this.#definitions.set(path, { facts, at });
    return facts;
  }

  /**
   * Every domain with state, size and origin. State and size come for all domains in one call
   * (GetAllDomainStats); only the XML, which holds UUID and Nova's ownership mark, is read per domain,
   * with a bounded number of calls in flight. A domain that disappears meanwhile is left out.
   */
  async listDomains(): Promise<DomainSummary[]> {
    const domainPaths = await this.domainPaths();
    const [records] = await this.#connect('GetAllDomainStats', 'uu', [
      STATS_STATE | STATS_BALLOON | STATS_VCPU,
      0,
    ]);
    const statsByName = new Map<string, Record<string, unknown>>();
    for (const record of expectArray(records, 'GetAllDomainStats')) {
      const [name, stats] = expectArray(record, 'a stats record');
      if (typeof name === 'string' && typeof stats === 'object' && stats !== null) {
        statsByName.set(name, stats as Record<string, unknown>);
      }
    }

    this.#forgetUnlisted(domainPaths);
    const domains = await mapBounded(domainPaths, PER_DOMAIN_CONCURRENCY, async (path) => {
      const facts = await this.#definition(path);
      if (facts === undefined) return undefined;
      const stats = statsByName.get(facts.name) ?? {};

      const state = numberOf(stats['state.state']);
      const balloonKiB = numberOf(stats['balloon.maximum']);
      const vcpus = numberOf(stats['vcpu.current']);
      const summary: DomainSummary = {
        uuid: facts.uuid,
        name: facts.name,
        state: state === undefined ? 'unknown' : domainStateFromLibvirt(state),
        origin: facts.ownedByNova ? 'nova' : 'external',
        vcpus: vcpus ?? facts.vcpus,
        memoryBytes: balloonKiB === undefined ? facts.memoryBytes : balloonKiB * 1024,
      };
      return summary;
    });
    return domains.filter((domain): domain is DomainSummary => domain !== undefined);
  }

  /**
   * Networks, autostart and activity of every domain (or of those named): which domains are active and
   * which start with the host come from two listings filtered by libvirt, the networks from the
   * definitions (remembered, as for listDomains). A domain that disappears meanwhile is left out.
   */
  async domainFacts(names?: readonly string[]): Promise<DomainFacts[]> {
    const [all, active, autostart] = await Promise.all([
      this.domainPaths(),
      this.domainPaths(LIST_DOMAINS_ACTIVE),
      this.domainPaths(LIST_DOMAINS_AUTOSTART),
    ]);
    this.#forgetUnlisted(all);
    const activeSet = new Set(active);
    const autostartSet = new Set(autostart);
    const wanted = names === undefined ? undefined : new Set(names);
    const facts = await mapBounded(
      all,
      PER_DOMAIN_CONCURRENCY,
      async (path): Promise<DomainFacts | undefined> => {
        const definition = await this.#definition(path);
        if (definition === undefined || (wanted !== undefined && !wanted.has(definition.name)))
          return undefined;
        return {
          uuid: definition.uuid,
          name: definition.name,
          active: activeSet.has(path),
          autostart: autostartSet.has(path),
          networks: definition.networks,
        };
      },
    );
    return facts.filter((entry): entry is DomainFacts => entry !== undefined);
  }

  /** Properties of a libvirt-dbus object, unwrapped (libvirt-dbus wraps each value twice). */
  async #properties(path: string, iface: string): Promise<Record<string, unknown>> {
    const [properties] = await this.caller.call({
      destination: LIBVIRT_BUS_NAME,
      path,
      interface: 'org.freedesktop.DBus.Properties',
      member: 'GetAll',
      signature: 's',
      body: [iface],
    });
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries((properties ?? {}) as Record<string, unknown>))
      result[key] = unwrapVariant(value);
    return result;
  }

  /** Every libvirt network with its addressing, state and Nova's ownership mark. */
  async listNetworks(): Promise<NetworkSummary[]> {
    const [paths] = await this.#connect('ListNetworks', 'u', [0]);
    const networkPaths = expectArray(paths, 'ListNetworks').map((path) =>
      expectString(path, 'a network path'),
    );
    const networks = await mapBounded(networkPaths, PER_DOMAIN_CONCURRENCY, async (path) => {
      try {
        const [properties, [xml]] = await Promise.all([
          this.#properties(path, LIBVIRT_NETWORK_INTERFACE),
          this.caller.call({
            destination: LIBVIRT_BUS_NAME,
            path,
            interface: LIBVIRT_NETWORK_INTERFACE,
            member: 'GetXMLDesc',
            signature: 'u',
            body: [0],
          }),
        ]);
        const facts = parseNetworkXml(expectString(xml, 'a network XML'));
        const summary: NetworkSummary = {
          name: facts.name,
          uuid: facts.uuid,
          active: properties['Active'] === true,
          autostart: properties['Autostart'] === true,
          origin: facts.nova === undefined ? 'external' : 'nova',
          ...(facts.forwardMode === undefined ? {} : { forwardMode: facts.forwardMode }),
          ...(facts.bridge === undefined ? {} : { bridge: facts.bridge }),
          ...(facts.address === undefined ? {} : { address: facts.address }),
          ...(facts.prefix === undefined ? {} : { prefix: facts.prefix }),
          ...(facts.dhcpStart === undefined ? {} : { dhcpStart: facts.dhcpStart }),
          ...(facts.dhcpEnd === undefined ? {} : { dhcpEnd: facts.dhcpEnd }),
          ...(facts.nova?.project === undefined ? {} : { project: facts.nova.project }),
          ...(facts.nova?.specHash === undefined ? {} : { specHash: facts.nova.specHash }),
        };
        return summary;
      } catch (err) {
        if (err instanceof DBusError && (NOT_FOUND_ERRORS.has(err.type) || /not found/i.test(err.text)))
          return undefined;
        throw libvirtError(err);
      }
    });
    return networks.filter((network): network is NetworkSummary => network !== undefined);
  }

  /** libvirt's version and whether it answers at all. */
  async check(): Promise<ServiceCheck> {
    try {
      const [properties] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path: this.connectPath,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'GetAll',
        signature: 's',
        body: [LIBVIRT_CONNECT_INTERFACE],
      });
      const props = (properties ?? {}) as Record<string, unknown>;
      const libVersion = numberOf(props['LibVersion']);
      const hvVersion = numberOf(props['Version']);
      // ListDomains forces libvirt-dbus to really reach libvirtd: properties may come from a cache.
      await this.#connect('ListDomains', 'u', [0]);
      const version = libVersion === undefined ? undefined : formatLibvirtVersion(libVersion);
      return {
        status: 'ok',
        ...(version === undefined ? {} : { version }),
        detail: `${this.connectionUri} answers${hvVersion === undefined ? '' : ` (QEMU ${formatLibvirtVersion(hvVersion)})`}`,
      };
    } catch (err) {
      const error = libvirtError(err);
      return { status: 'unavailable', detail: error.message };
    }
  }

  /** Whether libvirt can run KVM domains here; where it cannot, VMs fall back to TCG (much slower). */
  async checkKvm(): Promise<ServiceCheck> {
    try {
      await this.#connect('GetDomainCapabilities', 'ssssu', ['', '', '', 'kvm', 0]);
      return { status: 'ok', detail: 'libvirt can run KVM domains (/dev/kvm usable)' };
    } catch (err) {
      const error = libvirtError(err);
      if (error.code === 'backend-unavailable') {
        return { status: 'unavailable', detail: `unknown: ${error.message}` };
      }
      return {
        status: 'absent',
        detail: `KVM is not usable by libvirt (${error.message}); VMs will run under TCG emulation, much slower`,
      };
    }
  }
}

/** libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release. */
function formatLibvirtVersion(encoded: number): string {
  const major = Math.floor(encoded / 1_000_000);
  const minor = Math.floor((encoded % 1_000_000) / 1000);
  const release = encoded % 1000;
  return `${major}.${minor}.${release}`;
}
