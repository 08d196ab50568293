// Pure: the addressing of a NAT bridge, its nftables ruleset and its dnsmasq argv, built only from values
// checked here again (the contract checked them first). No I/O here.
import { type HostBridgeSpec, NovaError } from '@nova/core';

export type NatSpec = NonNullable<HostBridgeSpec['nat']>;

/** Where dnsmasq keeps a NAT bridge's leases (it survives reboots, like libvirt's). */
export const DNSMASQ_LEASE_DIR = '/var/lib/nova/dnsmasq';
/** Where dnsmasq writes its pid (gone at reboot, like the process). */
export const DNSMASQ_RUN_DIR = '/run/nova';
export const leaseFileOf = (bridge: string) => `${DNSMASQ_LEASE_DIR}/${bridge}.leases`;
export const pidFileOf = (bridge: string) => `${DNSMASQ_RUN_DIR}/dnsmasq-${bridge}.pid`;
/** dnsmasq's lease time: long enough to ride out a host reboot, short enough to recycle a range. */
const LEASE_TIME = '12h';

/**
 * An interface name the kernel accepts and that is safe unquoted in an nft identifier, inside an nft
 * string, and in a path: the contract's InterfaceName minus ":" (and "."/".."), which the kernel refuses.
 */
const SAFE_INTERFACE = /^[A-Za-z0-9_.-]{1,15}$/;

export function assertInterfaceName(name: string): string {
  if (!SAFE_INTERFACE.test(name) || name === '.' || name === '..')
    throw new NovaError(
      'invalid-input',
      `"${name}" is not a valid Linux interface name (1 to 15 letters, digits, "_", "." or "-")`,
    );
  return name;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function assertIpv4(address: string): string {
  if (!IPV4.test(address)) throw new NovaError('invalid-input', `"${address}" is not an IPv4 address`);
  return address;
}

function ipv4ToInt(address: string): number {
  return assertIpv4(address)
    .split('.')
    .reduce((sum, part) => sum * 256 + Number(part), 0);
}

function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => String(Math.floor(value / 2 ** shift) % 256)).join('.');
}

const maskInt = (prefix: number) => (prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix));

export interface Subnet {
  address: string;
  prefix: number;
}

/** The network address of an address/prefix. */
function networkOf({ address, prefix }: Subnet): string {
  const size = 2 ** (32 - prefix);
  return intToIpv4(Math.floor(ipv4ToInt(address) / size) * size);
}

/** Whether two IPv4 subnets share any address. */
export function subnetsOverlap(a: Subnet, b: Subnet): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return networkOf({ address: a.address, prefix }) === networkOf({ address: b.address, prefix });
}

/** The checked addressing of one NAT bridge: what the ruleset and dnsmasq are built from. */
export interface NatPlan {
  bridge: string;
  address: string;
  prefix: number;
  /** "10.0.0.0/24" */
  subnet: string;
  netmask: string;
  dhcp?: { start: string; end: string };
}

/** Checks a NAT spec (address usable in its subnet, DHCP range inside it, not the bridge's own address). */
export function planNat(bridge: string, nat: NatSpec): NatPlan {
  assertInterfaceName(bridge);
  const { prefix } = nat;
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 30)
    throw new NovaError('invalid-input', `a NAT bridge's prefix must be 8 to 30, not ${prefix}`);
  const address = ipv4ToInt(nat.address);
  const first = ipv4ToInt(networkOf({ address: nat.address, prefix }));
  const last = first + 2 ** (32 - prefix) - 1;
  const top = Math.floor(address / 2 ** 24);
  if (top === 0 || top === 127 || top >= 224)
    throw new NovaError(
      'invalid-input',
      `${nat.address} is not a unicast address a NAT bridge can use (0/8, 127/8, multicast and reserved are out)`,
    );
  const subnet = `${intToIpv4(first)}/${prefix}`;
  if (address === first || address === last)
    throw new NovaError(
      'invalid-input',
      `${nat.address} is the ${address === first ? 'network' : 'broadcast'} address of ${subnet}; give the bridge a host address`,
    );
  const plan: NatPlan = {
    bridge,
    address: nat.address,
    prefix,
    subnet,
    netmask: intToIpv4(maskInt(prefix)),
  };
  if (nat.dhcp !== undefined) {
    const start = ipv4ToInt(nat.dhcp.start);
    const end = ipv4ToInt(nat.dhcp.end);
    const range = `${nat.dhcp.start}–${nat.dhcp.end}`;
    if (start <= first || end >= last || start > end)
      throw new NovaError(
        'invalid-input',
        `the DHCP range ${range} must be an ascending range of host addresses inside ${subnet}`,
      );
    if (address >= start && address <= end)
      throw new NovaError(
        'invalid-input',
        `the DHCP range ${range} contains the bridge's own address ${nat.address}`,
      );
    plan.dhcp = { start: nat.dhcp.start, end: nat.dhcp.end };
  }
  return plan;
}

/** One nftables table per NAT bridge, so that deleting the bridge's rules is deleting one table. */
export const nftTableName = (bridge: string) => `nova-${assertInterfaceName(bridge)}`;
export const NFT_FAMILY = 'ip';

/**
 * The bridge's table: its subnet is masqueraded when it leaves through any other interface; forwarding
 * from the subnet, and replies back to it, are accepted; anything else from or to the bridge is dropped
 * (no one outside opens a connection into a NAT subnet, and no spoofed source leaves it).
 * The first two lines make loading it replace a leftover table of the same name in one transaction.
 */
export function natRuleset(plan: NatPlan): string {
  const bridge = assertInterfaceName(plan.bridge);
  const table = nftTableName(bridge);
  const subnet = `${networkOf({ address: assertIpv4(plan.address), prefix: plan.prefix })}/${plan.prefix}`;
  if (subnet !== plan.subnet) throw new NovaError('invalid-input', `inconsistent NAT plan for ${bridge}`);
  const dev = `"${bridge}"`;
  return [
    `table ${NFT_FAMILY} ${table} {`,
    '}',
    `delete table ${NFT_FAMILY} ${table}`,
    `table ${NFT_FAMILY} ${table} {`,
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    `\t\tip saddr ${subnet} ip daddr != { ${subnet}, 224.0.0.0/24, 255.255.255.255 } oifname != ${dev} masquerade`,
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    `\t\tiifname ${dev} oifname ${dev} accept`,
    `\t\tiifname ${dev} ip saddr ${subnet} accept`,
    `\t\toifname ${dev} ip daddr ${subnet} ct state established,related accept`,
    `\t\tiifname ${dev} drop`,
    `\t\toifname ${dev} drop`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/**
 * dnsmasq for one bridge, with no configuration file: DHCP on the range (if any) and DNS on the bridge's
 * address, forwarding to the host's resolvers, so that guests get a working resolver without Nova
 * knowing the upstream. It binds to this bridge only, and daemonizes once it is listening.
 */
export function dnsmasqArgs(plan: NatPlan): string[] {
  const bridge = assertInterfaceName(plan.bridge);
  const args = [
    '--conf-file=/dev/null',
    '--bind-interfaces',
    `--interface=${bridge}`,
    '--except-interface=lo',
    `--pid-file=${pidFileOf(bridge)}`,
    `--dhcp-leasefile=${leaseFileOf(bridge)}`,
    // The host's /etc/hosts is none of the guests' business; plain names and private reverse lookups stay local.
    '--no-hosts',
    '--domain-needed',
    '--bogus-priv',
  ];
  if (plan.dhcp !== undefined) {
    const start = assertIpv4(plan.dhcp.start);
    const end = assertIpv4(plan.dhcp.end);
    args.push(
      `--dhcp-range=${start},${end},${assertIpv4(plan.netmask)},${LEASE_TIME}`,
      '--dhcp-authoritative',
    );
  }
  return args;
}
