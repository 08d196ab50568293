// Checks that span several keys: references, uniqueness, addressing. Pure.
import { closest } from './did-you-mean.js';
import type { ErrorCollector } from './read.js';
import type { NetworkModel, NovaFileModel } from './schema.js';

/** What exists on the host, for checking references to things the file does not declare. */
export interface HostFacts {
  /** libvirt networks and host bridges a VM may be attached to. */
  networks?: readonly string[];
  /** Networks of the container engine (bridge, host, none and user-defined ones). */
  engineNetworks?: readonly string[];
}

/** Engine networks every Docker-compatible engine has. */
export const BUILTIN_ENGINE_NETWORKS = ['bridge', 'host', 'none', 'podman'] as const;

export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export interface Subnet {
  network: number;
  prefix: number;
  /** First and last address of the block (network and broadcast). */
  first: number;
  last: number;
}

export function parseCidr(cidr: string): Subnet {
  const [address = '', prefixText = '32'] = cidr.split('/');
  const prefix = Number(prefixText);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipv4ToNumber(address) / size) * size;
  return { network: first, prefix, first, last: first + size - 1 };
}

export function parseDhcpRange(range: string): { start: number; end: number } {
  const [start = '', end = ''] = range.split('-').map((part) => part.trim());
  return { start: ipv4ToNumber(start), end: ipv4ToNumber(end) };
}

/** The host's address on a subnet: the gateway key, else the first usable address. */
export function gatewayOf(network: NetworkModel): string | undefined {
  if (network.gateway !== undefined) return network.gateway;
  if (network.subnet === undefined) return undefined;
  return numberToIpv4(parseCidr(network.subnet).first + 1);
}

/** The addresses DHCP hands out: the dhcp_range key, else the upper half of the subnet. */
export function dhcpRangeOf(network: NetworkModel): { start: string; end: string } | undefined {
  if (network.subnet === undefined) return undefined;
  if (network.dhcp_range !== undefined) {
    const { start, end } = parseDhcpRange(network.dhcp_range);
    return { start: numberToIpv4(start), end: numberToIpv4(end) };
  }
  return defaultDhcpRange(parseCidr(network.subnet));
}

/** The range Nova hands out when none is given: the upper half of the subnet (none under 8 addresses). */
export function defaultDhcpRange(subnet: {
  first: number;
  last: number;
}): { start: string; end: string } | undefined {
  const size = subnet.last - subnet.first + 1;
  if (size < 8) return undefined;
  return { start: numberToIpv4(subnet.first + Math.floor(size / 2)), end: numberToIpv4(subnet.last - 1) };
}

/** The uplink of an external network: `uplink`, else the only entry of `interfaces`. */
export function uplinkOf(network: NetworkModel): string | undefined {
  return network.uplink ?? (network.interfaces.length === 1 ? network.interfaces[0] : undefined);
}

/** The profile a bridge network gets when none is given: external with an uplink, else NAT. */
export function profileOf(network: NetworkModel): 'nat' | 'internal' | 'external' | undefined {
  if (network.type !== 'bridge') return undefined;
  return network.profile ?? (uplinkOf(network) === undefined ? 'nat' : 'external');
}

function checkNetwork(errors: ErrorCollector, name: string, network: NetworkModel): void {
  const at = (key: string) => ['network', name, key];
  if (network.type !== 'bridge' && network.profile !== undefined) {
    errors.add(
      at('profile'),
      `a profile applies to bridge networks, and "${name}" is of type "${network.type}"`,
      'remove profile, or set type = "bridge"',
    );
    return;
  }
  const profile = profileOf(network);
  if (profile === 'external') {
    if (uplinkOf(network) === undefined) {
      errors.add(
        network.interfaces.length > 1 ? at('interfaces') : ['network', name],
        `external network "${name}" needs exactly one uplink`,
        'name the host interface to bridge, such as uplink = "enp6s0"',
      );
    }
    for (const key of ['subnet', 'gateway', 'dhcp_range'] as const) {
      if (network[key] !== undefined) {
        errors.add(
          at(key),
          `${key} does not apply to external network "${name}": its addresses come from the LAN it is bridged to`,
          `remove ${key}`,
        );
      }
    }
    return;
  }
  if (profile === 'nat' && network.subnet === undefined) {
    errors.add(
      ['network', name],
      `NAT network "${name}" needs a subnet`,
      'add subnet = "192.168.100.0/24" (any private range not in use)',
      'key',
    );
    return;
  }
  if (network.subnet === undefined) {
    for (const key of ['gateway', 'dhcp_range'] as const) {
      if (network[key] !== undefined) errors.add(at(key), `${key} needs a subnet`, 'add subnet = "…/24"');
    }
    return;
  }
  const subnet = parseCidr(network.subnet);
  if (subnet.prefix > 30) {
    errors.add(
      at('subnet'),
      `subnet ${network.subnet} is too small for a gateway and guests`,
      'use /30 or larger, such as /24',
    );
    return;
  }
  const inside = (address: number) => address > subnet.first && address < subnet.last;
  const gateway = network.gateway === undefined ? undefined : ipv4ToNumber(network.gateway);
  if (gateway !== undefined && !inside(gateway)) {
    errors.add(
      at('gateway'),
      `gateway ${network.gateway ?? ''} is not a host address of subnet ${network.subnet}`,
      `use an address between ${numberToIpv4(subnet.first + 1)} and ${numberToIpv4(subnet.last - 1)}`,
    );
  }
  if (network.dhcp_range !== undefined) {
    const range = parseDhcpRange(network.dhcp_range);
    if (range.start > range.end) {
      errors.add(
        at('dhcp_range'),
        `dhcp_range ${network.dhcp_range} starts after it ends`,
        'write it as "first-last"',
      );
    } else if (!inside(range.start) || !inside(range.end)) {
      errors.add(
        at('dhcp_range'),
        `dhcp_range ${network.dhcp_range} is not inside subnet ${network.subnet}`,
        `use addresses between ${numberToIpv4(subnet.first + 1)} and ${numberToIpv4(subnet.last - 1)}`,
      );
    } else {
      const host = gateway ?? subnet.first + 1;
      if (host >= range.start && host <= range.end) {
        errors.add(
          at('dhcp_range'),
          `dhcp_range ${network.dhcp_range} includes the gateway ${numberToIpv4(host)}`,
          'start the range after the gateway',
        );
      }
    }
  }
}

function checkReference(
  errors: ErrorCollector,
  path: (string | number)[],
  what: string,
  name: string,
  known: readonly string[],
  hostChecked: boolean,
): void {
  if (known.includes(name)) return;
  const suggestion = closest(name, known);
  errors.add(
    path,
    hostChecked
      ? `${what} "${name}" is neither declared in this file nor present on this host`
      : `${what} "${name}" is not declared in this file`,
    suggestion === undefined
      ? `declare it as [${what === 'network' ? 'network' : 'storage'}.${name}]`
      : `did you mean "${suggestion}"?`,
  );
}

/**
 * `declared` names every network and pool the file declares, also those that did not pass the schema
 * (and so are missing from a partial model): a reference to them is not dangling.
 */
export function checkSemantics(
  errors: ErrorCollector,
  model: NovaFileModel,
  host: HostFacts | undefined,
  declared: { network: readonly string[]; storage: readonly string[] } = {
    network: Object.keys(model.network),
    storage: Object.keys(model.storage),
  },
): void {
  const declaredNetworks = declared.network;
  const vmNetworks = [...declaredNetworks, ...(host?.networks ?? [])];
  const containerNetworks = [
    ...declaredNetworks,
    ...BUILTIN_ENGINE_NETWORKS,
    ...(host?.engineNetworks ?? []),
  ];

  for (const [name, network] of Object.entries(model.network)) checkNetwork(errors, name, network);

  // Subnets Nova creates must not overlap: the second one would not start.
  const subnets = Object.entries(model.network).flatMap(([name, network]) =>
    network.subnet === undefined || profileOf(network) === 'external'
      ? []
      : [{ name, subnet: parseCidr(network.subnet) }],
  );
  subnets.forEach((a, index) => {
    for (const b of subnets.slice(0, index)) {
      if (a.subnet.first <= b.subnet.last && b.subnet.first <= a.subnet.last) {
        errors.add(
          ['network', a.name, 'subnet'],
          `subnet of network "${a.name}" overlaps that of network "${b.name}"`,
          'give each network its own range',
        );
      }
    }
  });

  const macs = new Map<string, string>();
  for (const [name, vm] of Object.entries(model.vm)) {
    if (name in model.container) {
      errors.add(
        ['container', name],
        `container "${name}" has the same name as VM "${name}"`,
        'give every instance its own name',
        'key',
      );
    }
    if (vm.network !== undefined)
      checkReference(
        errors,
        ['vm', name, 'network'],
        'network',
        vm.network,
        vmNetworks,
        host?.networks !== undefined,
      );
    vm.nic.forEach((nic, index) => {
      checkReference(
        errors,
        ['vm', name, 'nic', index, 'network'],
        'network',
        nic.network,
        vmNetworks,
        host?.networks !== undefined,
      );
      if (nic.mac !== undefined) {
        const mac = nic.mac.toLowerCase();
        const owner = macs.get(mac);
        if (owner === undefined) macs.set(mac, name);
        else
          errors.add(
            ['vm', name, 'nic', index, 'mac'],
            `MAC address ${nic.mac} is already used by VM "${owner}"`,
            'give every NIC its own MAC, or leave mac out',
          );
      }
    });
    const diskNames = new Set<string>();
    vm.disk.forEach((disk, index) => {
      if (diskNames.has(disk.name))
        errors.add(['vm', name, 'disk', index, 'name'], `VM "${name}" has two disks named "${disk.name}"`);
      diskNames.add(disk.name);
      if (disk.pool !== undefined) {
        checkReference(
          errors,
          ['vm', name, 'disk', index, 'pool'],
          'storage pool',
          disk.pool,
          declared.storage,
          false,
        );
      }
      if (disk.size === undefined && disk.path === undefined) {
        errors.add(
          ['vm', name, 'disk', index],
          `disk "${disk.name}" of VM "${name}" needs a size (to create it) or a path (to attach an image)`,
          'add size = "10Gi"',
        );
      }
    });
    if (vm.firmware.secure_boot && vm.firmware.boot_type !== 'uefi') {
      errors.add(
        ['vm', name, 'firmware', 'secure_boot'],
        'Secure Boot needs UEFI firmware',
        'set boot_type = "uefi"',
      );
    }
    if (vm.compliance_profile === 'windows11') {
      const missing = [
        ...(vm.firmware.boot_type === 'uefi' ? [] : ['boot_type = "uefi"']),
        ...(vm.firmware.secure_boot ? [] : ['secure_boot = true']),
        ...(vm.tpm.enabled && vm.tpm.version === 'v2-0' ? [] : ['[tpm] enabled = true, version = "v2-0"']),
      ];
      if (missing.length > 0) {
        errors.add(
          ['vm', name, 'compliance_profile'],
          `the windows11 profile needs UEFI, Secure Boot and TPM 2.0`,
          `set ${missing.join('; ')}`,
        );
      }
    }
    if (vm.cloud_init?.user_data !== undefined && vm.cloud_init.user_data_file !== undefined) {
      errors.add(['vm', name, 'cloud_init', 'user_data_file'], 'give user_data or user_data_file, not both');
    }
  }

  const ports = new Map<string, string>();
  for (const [name, container] of Object.entries(model.container)) {
    if (container.network !== undefined) {
      checkReference(
        errors,
        ['container', name, 'network'],
        'network',
        container.network,
        containerNetworks,
        host?.engineNetworks !== undefined,
      );
    }
    container.ports.forEach((port, index) => {
      const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(port);
      const [, ip = '0.0.0.0', hostPort, containerPort = '', protocol = 'tcp'] = match ?? [];
      for (const value of [hostPort, containerPort]) {
        if (value !== undefined && (Number(value) < 1 || Number(value) > 65535)) {
          errors.add(['container', name, 'ports', index], `port ${value} is out of range`, 'use 1 to 65535');
        }
      }
      if (hostPort === undefined) return;
      const key = `${ip}:${hostPort}/${protocol}`;
      const owner = ports.get(key);
      if (owner === undefined) ports.set(key, name);
      else
        errors.add(
          ['container', name, 'ports', index],
          `host port ${hostPort}/${protocol} is already published by container "${owner}"`,
          'pick another host port',
        );
    });
  }
}
