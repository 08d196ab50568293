// Changing libvirt through libvirt-dbus: domains, networks, storage pools and volumes. Used by the
// privileged helper only, after polkit said yes and the request matched the contract.
import { type InstanceState, NovaError } from '@nova/core';
import {
  type BoundedCaller,
  domainStateFromLibvirt,
  LIBVIRT_BUS_NAME,
  LIBVIRT_QEMU_PATH,
} from '@nova/core/node';
import { DBusError, Variant } from 'dbus-next';

import { LIBVIRT_CONNECT_INTERFACE, libvirtError, unwrapVariant } from './libvirt-dbus.js';

const DOMAIN = 'org.libvirt.Domain';
const NETWORK = 'org.libvirt.Network';
const POOL = 'org.libvirt.StoragePool';
const VOLUME = 'org.libvirt.StorageVol';
const SNAPSHOT = 'org.libvirt.DomainSnapshot';

/** VIR_DOMAIN_XML_INACTIVE: the persistent definition, not the running state. */
export const XML_INACTIVE = 2;
/** VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM. */
const UNDEFINE_ALL_METADATA = 1 | 2 | 4;

const NOT_FOUND = /^org\.libvirt\.Error\.No(Domain|Network|StoragePool|StorageVol)$/;

function isNotFound(err: unknown): boolean {
  return (
    err instanceof DBusError &&
    (NOT_FOUND.test(err.type) ||
      err.type === 'org.freedesktop.DBus.Error.UnknownObject' ||
      /not found/i.test(err.text))
  );
}

export class LibvirtManager {
  constructor(
    private readonly caller: BoundedCaller,
    readonly connectPath: string = LIBVIRT_QEMU_PATH,
  ) {}

  async #call(
    path: string,
    iface: string,
    member: string,
    signature?: string,
    body?: unknown[],
    timeoutMs?: number,
  ): Promise<unknown[]> {
    try {
      return await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path,
        interface: iface,
        member,
        ...(signature === undefined ? {} : { signature }),
        ...(body === undefined ? {} : { body }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
    } catch (err) {
      throw libvirtError(err);
    }
  }

  async #lookup(member: string, name: string): Promise<string | undefined> {
    try {
      const [path] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path: this.connectPath,
        interface: LIBVIRT_CONNECT_INTERFACE,
        member,
        signature: 's',
        body: [name],
      });
      return typeof path === 'string' ? path : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw libvirtError(err);
    }
  }

  async #property(path: string, iface: string, name: string): Promise<unknown> {
    const [value] = await this.#call(path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [iface, name]);
    return unwrapVariant(value);
  }

  async #setAutostart(path: string, iface: string, autostart: boolean): Promise<void> {
    await this.#call(path, 'org.freedesktop.DBus.Properties', 'Set', 'ssv', [
      iface,
      'Autostart',
      new Variant('b', autostart),
    ]);
  }

  // ── Domains ──

  domainPath(name: string): Promise<string | undefined> {
    return this.#lookup('DomainLookupByName', name);
  }

  domainPathByUuid(uuid: string): Promise<string | undefined> {
    return this.#lookup('DomainLookupByUUID', uuid);
  }

  async domainXml(path: string, flags = XML_INACTIVE): Promise<string> {
    const [xml] = await this.#call(path, DOMAIN, 'GetXMLDesc', 'u', [flags]);
    if (typeof xml !== 'string')
      throw new NovaError('failed', 'libvirt-dbus sent a domain description of the wrong type');
    return xml;
  }

  async defineDomain(xml: string): Promise<string> {
    const [path] = await this.#call(this.connectPath, LIBVIRT_CONNECT_INTERFACE, 'DomainDefineXML', 's', [
      xml,
    ]);
    if (typeof path !== 'string') throw new NovaError('failed', 'libvirt-dbus did not return the new domain');
    return path;
  }

  async domainUuid(path: string): Promise<string> {
    return String(await this.#property(path, DOMAIN, 'UUID'));
  }

  async domainAutostart(path: string): Promise<boolean> {
    return (await this.#property(path, DOMAIN, 'Autostart')) === true;
  }

  async domainState(path: string): Promise<InstanceState> {
    const [state] = await this.#call(path, DOMAIN, 'GetState', 'u', [0]);
    const value: unknown = Array.isArray(state) ? state[0] : undefined;
    return typeof value === 'number' ? domainStateFromLibvirt(value) : 'unknown';
  }

  async startDomain(path: string): Promise<void> {
    // Booting can take a while under TCG; libvirt answers once QEMU runs.
    await this.#call(path, DOMAIN, 'Create', 'u', [0], 120_000);
  }

  async rebootDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Reboot', 'u', [0]);
  }

  async suspendDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Suspend');
  }

  async domainStateReason(path: string): Promise<{ state: InstanceState; reason: number }> {
    const [state] = await this.#call(path, DOMAIN, 'GetState', 'u', [0]);
    const [value, reason] = (Array.isArray(state) ? state : []) as unknown[];
    return {
      state: typeof value === 'number' ? domainStateFromLibvirt(value) : 'unknown',
      reason: typeof reason === 'number' ? reason : 0,
    };
  }

  async domainPersistent(path: string): Promise<boolean> {
    return (await this.#property(path, DOMAIN, 'Persistent')) === true;
  }

  /** VIR_DOMAIN_AFFECT_CONFIG, and VIR_DOMAIN_AFFECT_LIVE when the domain runs. */
  async attachDevice(path: string, xml: string, live: boolean): Promise<void> {
    await this.#call(path, DOMAIN, 'AttachDevice', 'su', [xml, live ? 3 : 2]);
  }

  async detachDevice(path: string, xml: string, live: boolean): Promise<void> {
    await this.#call(path, DOMAIN, 'DetachDevice', 'su', [xml, live ? 3 : 2]);
  }

  /** a(ssa(isu)): interface name, MAC, and (type, address, prefix) for each address. */
  async interfaceAddresses(path: string, source: number): Promise<unknown[]> {
    const [ifaces] = await this.#call(path, DOMAIN, 'InterfaceAddresses', 'uu', [source, 0]);
    return Array.isArray(ifaces) ? (ifaces as unknown[]) : [];
  }

  async listSnapshotPaths(path: string): Promise<string[]> {
    const [paths] = await this.#call(path, DOMAIN, 'ListDomainSnapshots', 'u', [0]);
    return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [];
  }

  async snapshotPath(domainPath: string, name: string): Promise<string | undefined> {
    try {
      const [path] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path: domainPath,
        interface: DOMAIN,
        member: 'SnapshotLookupByName',
        signature: 'su',
        body: [name, 0],
      });
      return typeof path === 'string' ? path : undefined;
    } catch (err) {
      if (
        isNotFound(err) ||
        (err instanceof DBusError &&
          /snapshot/i.test(err.text) &&
          /not found|no domain snapshot/i.test(err.text))
      )
        return undefined;
      throw libvirtError(err);
    }
  }

  async createSnapshot(domainPath: string, xml: string): Promise<string> {
    // Internal snapshots of a running VM save its memory: that takes a while under TCG.
    const [path] = await this.#call(domainPath, DOMAIN, 'SnapshotCreateXML', 'su', [xml, 0], 300_000);
    if (typeof path !== 'string')
      throw new NovaError('failed', 'libvirt-dbus did not return the new snapshot');
    return path;
  }

  async snapshotXml(path: string): Promise<string> {
    const [xml] = await this.#call(path, SNAPSHOT, 'GetXMLDesc', 'u', [0]);
    return String(xml);
  }

  async snapshotIsCurrent(path: string): Promise<boolean> {
    const [current] = await this.#call(path, SNAPSHOT, 'IsCurrent', 'u', [0]);
    return current === true;
  }

  async revertSnapshot(path: string): Promise<void> {
    await this.#call(path, SNAPSHOT, 'Revert', 'u', [0], 300_000);
  }

  async deleteSnapshot(path: string): Promise<void> {
    await this.#call(path, SNAPSHOT, 'Delete', 'u', [0], 300_000);
  }

  /** a(sxisssuss): interface, expiry, type, MAC, IAID, address, prefix, host name, client id. */
  async networkLeases(path: string): Promise<unknown[]> {
    const [leases] = await this.#call(path, NETWORK, 'GetDHCPLeases', 'su', ['', 0]);
    return Array.isArray(leases) ? (leases as unknown[]) : [];
  }

  async cloneVolume(poolPath: string, xml: string, sourceKey: string): Promise<string> {
    const [path] = await this.#call(
      poolPath,
      POOL,
      'StorageVolCreateXMLFrom',
      'ssu',
      [xml, sourceKey, 0],
      600_000,
    );
    if (typeof path !== 'string')
      throw new NovaError('failed', 'libvirt-dbus did not return the copied volume');
    return path;
  }

  async volumeKey(path: string): Promise<string> {
    return String(await this.#property(path, VOLUME, 'Key'));
  }

  async resumeDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Resume');
  }

  async shutdownDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Shutdown', 'u', [0]);
  }

  async destroyDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Destroy', 'u', [0]);
  }

  async undefineDomain(path: string): Promise<void> {
    await this.#call(path, DOMAIN, 'Undefine', 'u', [UNDEFINE_ALL_METADATA]);
  }

  setDomainAutostart(path: string, autostart: boolean): Promise<void> {
    return this.#setAutostart(path, DOMAIN, autostart);
  }

  // ── Networks ──

  networkPath(name: string): Promise<string | undefined> {
    return this.#lookup('NetworkLookupByName', name);
  }

  async networkXml(path: string): Promise<string> {
    const [xml] = await this.#call(path, NETWORK, 'GetXMLDesc', 'u', [0]);
    if (typeof xml !== 'string')
      throw new NovaError('failed', 'libvirt-dbus sent a network description of the wrong type');
    return xml;
  }

  async defineNetwork(xml: string): Promise<string> {
    const [path] = await this.#call(this.connectPath, LIBVIRT_CONNECT_INTERFACE, 'NetworkDefineXML', 's', [
      xml,
    ]);
    if (typeof path !== 'string')
      throw new NovaError('failed', 'libvirt-dbus did not return the new network');
    return path;
  }

  async networkActive(path: string): Promise<boolean> {
    return (await this.#property(path, NETWORK, 'Active')) === true;
  }

  async networkUuid(path: string): Promise<string> {
    return String(await this.#property(path, NETWORK, 'UUID'));
  }

  async startNetwork(path: string): Promise<void> {
    await this.#call(path, NETWORK, 'Create');
  }

  async destroyNetwork(path: string): Promise<void> {
    await this.#call(path, NETWORK, 'Destroy');
  }

  async undefineNetwork(path: string): Promise<void> {
    await this.#call(path, NETWORK, 'Undefine');
  }

  setNetworkAutostart(path: string, autostart: boolean): Promise<void> {
    return this.#setAutostart(path, NETWORK, autostart);
  }

  // ── Storage ──

  async listPoolPaths(): Promise<string[]> {
    const [paths] = await this.#call(
      this.connectPath,
      LIBVIRT_CONNECT_INTERFACE,
      'ListStoragePools',
      'u',
      [0],
    );
    return Array.isArray(paths) ? paths.filter((path): path is string => typeof path === 'string') : [];
  }

  poolPath(name: string): Promise<string | undefined> {
    return this.#lookup('StoragePoolLookupByName', name);
  }

  async poolXml(path: string): Promise<string> {
    const [xml] = await this.#call(path, POOL, 'GetXMLDesc', 'u', [0]);
    return String(xml);
  }

  async poolProperties(path: string): Promise<{ name: string; active: boolean; autostart: boolean }> {
    const [name, active, autostart] = await Promise.all([
      this.#property(path, POOL, 'Name'),
      this.#property(path, POOL, 'Active'),
      this.#property(path, POOL, 'Autostart'),
    ]);
    return { name: String(name), active: active === true, autostart: autostart === true };
  }

  async definePool(xml: string): Promise<string> {
    const [path] = await this.#call(
      this.connectPath,
      LIBVIRT_CONNECT_INTERFACE,
      'StoragePoolDefineXML',
      'su',
      [xml, 0],
    );
    if (typeof path !== 'string') throw new NovaError('failed', 'libvirt-dbus did not return the new pool');
    return path;
  }

  async buildPool(path: string): Promise<void> {
    await this.#call(path, POOL, 'Build', 'u', [0]);
  }

  async startPool(path: string): Promise<void> {
    await this.#call(path, POOL, 'Create', 'u', [0]);
  }

  async refreshPool(path: string): Promise<void> {
    await this.#call(path, POOL, 'Refresh', 'u', [0]);
  }

  async destroyPool(path: string): Promise<void> {
    await this.#call(path, POOL, 'Destroy');
  }

  async undefinePool(path: string): Promise<void> {
    await this.#call(path, POOL, 'Undefine');
  }

  setPoolAutostart(path: string, autostart: boolean): Promise<void> {
    return this.#setAutostart(path, POOL, autostart);
  }

  async listVolumePaths(poolPath: string): Promise<string[]> {
    const [paths] = await this.#call(poolPath, POOL, 'ListStorageVolumes', 'u', [0]);
    return Array.isArray(paths) ? paths.filter((path): path is string => typeof path === 'string') : [];
  }

  async volumePath(poolPath: string, name: string): Promise<string | undefined> {
    try {
      const [path] = await this.caller.call({
        destination: LIBVIRT_BUS_NAME,
        path: poolPath,
        interface: POOL,
        member: 'StorageVolLookupByName',
        signature: 's',
        body: [name],
      });
      return typeof path === 'string' ? path : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw libvirtError(err);
    }
  }

  async volumeInfo(
    path: string,
  ): Promise<{ name: string; file: string; capacityBytes: number; xml: string }> {
    const [name, file, [info], [xml]] = await Promise.all([
      this.#property(path, VOLUME, 'Name'),
      this.#property(path, VOLUME, 'Path'),
      this.#call(path, VOLUME, 'GetInfo', 'u', [0]),
      this.#call(path, VOLUME, 'GetXMLDesc', 'u', [0]),
    ]);
    const capacity: unknown = Array.isArray(info) ? info[1] : undefined;
    return {
      name: String(name),
      file: String(file),
      capacityBytes:
        typeof capacity === 'bigint' ? Number(capacity) : typeof capacity === 'number' ? capacity : 0,
      xml: String(xml),
    };
  }

  async createVolume(poolPath: string, xml: string): Promise<string> {
    const [path] = await this.#call(poolPath, POOL, 'StorageVolCreateXML', 'su', [xml, 0], 300_000);
    if (typeof path !== 'string') throw new NovaError('failed', 'libvirt-dbus did not return the new volume');
    return path;
  }

  async resizeVolume(path: string, capacityBytes: number): Promise<void> {
    await this.#call(path, VOLUME, 'Resize', 'tu', [BigInt(capacityBytes), 0]);
  }

  async deleteVolume(path: string): Promise<void> {
    await this.#call(path, VOLUME, 'Delete', 'u', [0]);
  }
}
