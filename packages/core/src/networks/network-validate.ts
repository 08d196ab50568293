// The one set of rules for a new network, shared by `nova network create`, the backend and the GUI's
// create dialog (which shows each issue at its field). Pure: no I/O; what exists on the host comes in.
import { EngineObjectName } from '../contract/container-types.js';
import type { NewNetwork, NewNetworkType } from '../contract/features/networks.js';
import { InterfaceName, ResourceName } from '../contract/specs.js';
import { defaultDhcpRange, ipv4ToNumber, numberToIpv4 } from '../novafile/semantics.js';

/** The field of the create form (or the CLI option) an issue is about. */
export type NetworkField =
  'type' | 'name' | 'backend' | 'subnet' | 'gateway' | 'dhcpStart' | 'dhcpEnd' | 'uplink' | 'project';

export interface NetworkIssue {
  field: NetworkField;
  /** What is wrong, naming the value. */
  message: string;
  /** How to fix it. */
  hint: string;
}

/** An address block already in use on this host: a network's subnet or a host interface's. */
export interface OccupiedSubnet {
  /** CIDR, such as 192.168.122.1/24 (host bits may be set: the block is what counts). */
  subnet: string;
  /** Whose it is, for the message: `libvirt network "default"`, `interface eth0`. */
  what: string;
}

export interface NetworkValidationContext {
  /** Networks that exist, by kind and name: a new one may not take a name its backend has. */
  existing: readonly { kind: string; name: string }[];
  occupied: readonly OccupiedSubnet[];
  /** Host interfaces a bridged network may take as uplink; undefined when they could not be read. */
  uplinks?: readonly string[] | undefined;
}

/** A new network after the checks: every address filled in. */
export interface CheckedNetwork {
  type: NewNetworkType;
  backend: 'libvirt' | 'bolt' | 'docker' | 'podman';
  name: string;
  /** The subnet in canonical form (10.9.0.0/24). */
  subnet?: string;
  prefix?: number;
  gateway?: string;
  dhcp?: { start: string; end: string };
  uplink?: string;
  autostart: boolean;
  project: string;
}

export type NetworkCheck = { ok: true; network: CheckedNetwork } | { ok: false; issues: NetworkIssue[] };

/** The project a network made from the command line or the GUI is marked with, unless one is given. */
export const DEFAULT_NETWORK_PROJECT = 'cli';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `text` is a dotted IPv4 address with every octet 0–255 and no leading zeros. */
export function isIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  return match?.slice(1).every((octet) => Number(octet) <= 255 && String(Number(octet)) === octet) ?? false;
}

export interface Block {
  first: number;
  last: number;
  prefix: number;
}

/** A CIDR's block, or a reason it is not one. */
export function parseSubnet(text: string): { ok: true; block: Block; hostBits: boolean } | { ok: false } {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined || prefixText === undefined || !/^\d{1,2}$/.test(prefixText) || !isIpv4(address))
    return { ok: false };
  const prefix = Number(prefixText);
  if (prefix > 32) return { ok: false };
  const size = 2 ** (32 - prefix);
  const value = ipv4ToNumber(address);
  const first = Math.floor(value / size) * size;
  return { ok: true, block: { first, last: first + size - 1, prefix }, hostBits: value !== first };
}

const cidrOf = (block: Block) => `${numberToIpv4(block.first)}/${String(block.prefix)}`;
const overlaps = (a: Block, b: Block) => a.first <= b.last && b.first <= a.last;

/** A private /prefix block in 10.0.0.0/8 that overlaps none of these, for a hint. */
export function freeSubnet(occupied: readonly Block[], prefix = 24): string | undefined {
  const size = 2 ** (32 - prefix);
  const base = ipv4ToNumber('10.100.0.0');
  const end = ipv4ToNumber('10.255.255.255');
  for (let first = base; first + size - 1 <= end; first += Math.max(size, 256 * 256)) {
    const block = { first, last: first + size - 1, prefix };
    if (!occupied.some((other) => overlaps(block, other))) return cidrOf(block);
  }
  return undefined;
}

const blank = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
};

/** Checks a new network against the rules and what exists; every issue found, each at its field. */
export function validateNewNetwork(input: NewNetwork, context: NetworkValidationContext): NetworkCheck {
  const issues: NetworkIssue[] = [];
  const add = (field: NetworkField, message: string, hint: string) => issues.push({ field, message, hint });
  const type = input.type;
  const backend = input.backend ?? 'libvirt';
  const name = input.name.trim();
  const project = blank(input.project) ?? DEFAULT_NETWORK_PROJECT;
  const subnetText = blank(input.subnet);
  const gatewayText = blank(input.gateway);
  const startText = blank(input.dhcpStart);
  const endText = blank(input.dhcpEnd);
  const uplink = blank(input.uplink);
  const engine = backend !== 'libvirt';

  // ── name ──
  const nameOk = engine ? EngineObjectName.safeParse(name).success : ResourceName.safeParse(name).success;
  if (name === '') add('name', 'a network needs a name', 'Give it a name such as "lab-nat".');
  else if (!nameOk)
    add(
      'name',
      `"${name}" is not a valid network name`,
      `A name starts with a letter or digit, followed by up to ${engine ? '127' : '62'} letters, digits, ".", "_" or "-".`,
    );
  else {
    const kinds = type === 'bridged' ? ['libvirt', 'bridge'] : [backend];
    const taken = context.existing.find((network) => kinds.includes(network.kind) && network.name === name);
    if (taken !== undefined)
      add(
        'name',
        `there is a ${taken.kind} network named "${name}" already`,
        'Choose another name, or delete that network first.',
      );
  }
  if (!ResourceName.safeParse(project).success)
    add(
      'project',
      `"${project}" is not a valid project name`,
      'A project name is written like a network name.',
    );

  // ── kind and backend ──
  if (type === 'bridged' && engine)
    add(
      'backend',
      `a bridged network is a host bridge, and ${backend} cannot make one`,
      'Leave out the engine for a bridged network, or create a NAT or isolated engine network.',
    );

  // ── uplink ──
  if (type === 'bridged') {
    if (uplink === undefined)
      add(
        'uplink',
        'a bridged network needs the host interface it bridges',
        `Name the uplink, such as ${context.uplinks?.[0] ?? 'eth0'}.`,
      );
    else if (!InterfaceName.safeParse(uplink).success)
      add('uplink', `"${uplink}" is not an interface name`, 'Write the name as `ip link` shows it.');
    else if (context.uplinks !== undefined && !context.uplinks.includes(uplink))
      add(
        'uplink',
        `this host has no interface "${uplink}" that can be an uplink`,
        context.uplinks.length === 0
          ? 'This host has no interface to bridge.'
          : `Choose one of: ${context.uplinks.join(', ')}.`,
      );
    for (const [field, value, what] of [
      ['subnet', subnetText, 'a subnet'],
      ['gateway', gatewayText, 'a gateway'],
      ['dhcpStart', startText, 'a DHCP range'],
    ] as const) {
      if (value !== undefined)
        add(
          field,
          `a bridged network has no ${what} of its own: its addresses come from the network it is bridged to`,
          `Leave out ${what}.`,
        );
    }
  } else if (uplink !== undefined) {
    add(
      'uplink',
      `an uplink applies to bridged networks, and this one is ${type === 'nat' ? 'a NAT' : 'an isolated'} network`,
      'Leave out the uplink (NAT goes out through the host’s default route), or make a bridged network.',
    );
  }

  // ── subnet ──
  let block: Block | undefined;
  if (subnetText !== undefined && type !== 'bridged') {
    const parsed = parseSubnet(subnetText);
    if (!parsed.ok)
      add(
        'subnet',
        `"${subnetText}" is not an IPv4 subnet`,
        'Write it in CIDR form, such as 10.90.0.0/24 (a private range not in use).',
      );
    else if (parsed.block.prefix < 8 || parsed.block.prefix > 30)
      add(
        'subnet',
        `subnet ${subnetText} is ${parsed.block.prefix > 30 ? 'too small for a gateway and guests' : 'too large'}`,
        'Use a prefix from /8 to /30, such as /24.',
      );
    else if (parsed.hostBits)
      add(
        'subnet',
        `${subnetText} is not a subnet's first address`,
        `Write the subnet as ${cidrOf(parsed.block)}, and the host’s address as the gateway.`,
      );
    else {
      block = parsed.block;
      const occupied = context.occupied.flatMap((entry) => {
        const other = parseSubnet(entry.subnet);
        return other.ok ? [{ ...entry, block: other.block }] : [];
      });
      const clash = occupied.find((entry) => block !== undefined && overlaps(block, entry.block));
      if (clash !== undefined) {
        const free = freeSubnet(
          occupied.map((entry) => entry.block),
          block.prefix,
        );
        add(
          'subnet',
          `subnet ${cidrOf(block)} overlaps ${cidrOf(clash.block)} of ${clash.what}`,
          free === undefined
            ? 'Choose a range no other network uses.'
            : `Choose a free range, such as ${free}.`,
        );
      }
    }
  } else if (type === 'nat' && !engine) {
    add(
      'subnet',
      'a NAT network needs a subnet',
      'Give one such as 10.90.0.0/24 (a private range not in use).',
    );
  }

  // ── gateway ──
  let gateway: number | undefined;
  const usable = block === undefined ? undefined : { first: block.first + 1, last: block.last - 1 };
  const between = (from: number, to: number) =>
    `use addresses between ${numberToIpv4(from)} and ${numberToIpv4(to)}`;
  if (gatewayText !== undefined && type !== 'bridged') {
    if (!isIpv4(gatewayText))
      add(
        'gateway',
        `"${gatewayText}" is not an IPv4 address`,
        'Write it as four numbers, such as 10.90.0.1.',
      );
    else if (subnetText === undefined)
      add('gateway', 'a gateway needs a subnet', 'Give the subnet too, or leave out the gateway.');
    else if (usable !== undefined) {
      const value = ipv4ToNumber(gatewayText);
      if (value < usable.first || value > usable.last)
        add(
          'gateway',
          `gateway ${gatewayText} is not a host address of the subnet ${subnetText}`,
          `${between(usable.first, usable.last).replace(/^u/, 'U')}.`,
        );
      else gateway = value;
    }
  } else if (usable !== undefined) {
    gateway = usable.first;
  }

  // ── DHCP range ──
  let dhcp: { start: string; end: string } | undefined;
  if ((startText !== undefined || endText !== undefined) && type !== 'bridged') {
    const rangeText = `${startText ?? '?'}–${endText ?? '?'}`;
    if (engine)
      add(
        'dhcpStart',
        `${backend} networks hand out addresses themselves and take no DHCP range`,
        'Leave out the DHCP range.',
      );
    else if (startText === undefined || endText === undefined)
      add(
        startText === undefined ? 'dhcpStart' : 'dhcpEnd',
        `the DHCP range needs both its first and its last address (got ${rangeText})`,
        'Give both, or neither for the upper half of the subnet.',
      );
    else if (!isIpv4(startText) || !isIpv4(endText))
      add(
        isIpv4(startText) ? 'dhcpEnd' : 'dhcpStart',
        `"${isIpv4(startText) ? endText : startText}" is not an IPv4 address`,
        'Write it as four numbers, such as 10.90.0.100.',
      );
    else if (subnetText === undefined)
      add('dhcpStart', 'a DHCP range needs a subnet', 'Give the subnet too, or leave out the DHCP range.');
    else if (block !== undefined && usable !== undefined) {
      const start = ipv4ToNumber(startText);
      const end = ipv4ToNumber(endText);
      // Suggest the addresses after the gateway when it is the subnet's first host, as is usual.
      const from = gateway === usable.first ? usable.first + 1 : usable.first;
      if (start > end)
        add(
          'dhcpEnd',
          `DHCP range ${rangeText} ends before it starts`,
          `Give the lower address first: ${endText}–${startText}.`,
        );
      else if (start < usable.first || end > usable.last)
        add(
          start < usable.first || start > usable.last ? 'dhcpStart' : 'dhcpEnd',
          `DHCP range ${rangeText} is outside the subnet ${cidrOf(block)}`,
          `${between(from, usable.last).replace(/^u/, 'U')}.`,
        );
      else if (gateway !== undefined && gateway >= start && gateway <= end)
        add(
          gateway === start ? 'dhcpStart' : 'dhcpEnd',
          `DHCP range ${rangeText} includes the gateway ${numberToIpv4(gateway)}`,
          gateway < usable.last
            ? `Start the range after the gateway, at ${numberToIpv4(gateway + 1)} or later.`
            : 'End the range before the gateway.',
        );
      else dhcp = { start: startText, end: endText };
    }
  } else if (block !== undefined && !engine && type !== 'bridged') {
    dhcp = defaultDhcpRange(block);
  }

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    network: {
      type,
      backend: type === 'bridged' ? 'libvirt' : backend,
      name,
      ...(block === undefined ? {} : { subnet: cidrOf(block), prefix: block.prefix }),
      ...(gateway === undefined ? {} : { gateway: numberToIpv4(gateway) }),
      ...(dhcp === undefined ? {} : { dhcp }),
      ...(uplink === undefined || type !== 'bridged' ? {} : { uplink }),
      autostart: input.autostart ?? true,
      project,
    },
  };
}

/** The issues as one message and hint, for the command line (`--dhcp-start: …`). */
export function describeNetworkIssues(issues: readonly NetworkIssue[]): { message: string; hint: string } {
  const [first, ...rest] = issues;
  if (first === undefined) return { message: 'the network is valid', hint: '' };
  return {
    message: [first, ...rest].map((issue) => issue.message).join('; '),
    hint: [first, ...rest].map((issue) => issue.hint).join(' '),
  };
}
