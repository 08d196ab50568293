// `nova network …`: libvirt networks, host bridges and interfaces, and their DHCP leases.
import {
  type HostBridgeSummary,
  type HostInterface,
  type Lease,
  type ManagedNetwork,
  NETWORK_KINDS,
  type NetworkKind,
  type NetworkListing,
  type NetworkSummary,
  type NewNetwork,
  NovaError,
} from '@nova/core';
import { NetworkService } from '@nova/core/node';
import { Argument, type Command, Option } from 'commander';

import { table } from '../format.js';
import {
  addJsonOption,
  addTargetOptions,
  addYesOption,
  callForTarget,
  callHelper,
  checkInterfaceName,
  checkName,
  type CommandContext,
  confirmDeletion,
  done,
  type JsonOption,
  reporting,
  show,
  targetOf,
  type TargetOptions,
  utcTime,
  yesNo,
} from './shared.js';

function owner(origin: string, project: string | undefined): string {
  return project === undefined ? origin : `${origin} (${project})`;
}

function formatNetworks(networks: readonly NetworkSummary[]): string {
  if (networks.length === 0) return 'No libvirt networks.';
  return table([
    ['NAME', 'STATE', 'AUTOSTART', 'MODE', 'BRIDGE', 'ADDRESS', 'DHCP', 'ORIGIN'],
    ...[...networks]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((network) => [
        network.name,
        network.active ? 'active' : 'inactive',
        yesNo(network.autostart),
        network.forwardMode ?? 'isolated',
        network.bridge ?? '-',
        network.address === undefined ? '-' : `${network.address}/${network.prefix ?? '?'}`,
        network.dhcpStart === undefined ? '-' : `${network.dhcpStart}-${network.dhcpEnd ?? '?'}`,
        owner(network.origin, network.project),
      ]),
  ]);
}

function formatLeases(where: string, leases: readonly Lease[]): string {
  if (leases.length === 0) return `No DHCP leases on ${where}.`;
  return table([
    ['MAC', 'ADDRESS', 'HOSTNAME', 'EXPIRES'],
    ...leases.map((lease) => [
      lease.mac,
      lease.prefix === undefined ? lease.address : `${lease.address}/${lease.prefix}`,
      lease.hostname ?? '-',
      lease.expires === undefined ? '-' : utcTime(lease.expires),
    ]),
  ]);
}

function formatBridges(bridges: readonly HostBridgeSummary[]): string {
  if (bridges.length === 0) return 'No bridges on this host.';
  return table([
    ['NAME', 'STATE', 'ORIGIN', 'UPLINK', 'MEMBERS'],
    ...bridges.map((bridge) => [
      bridge.name,
      bridge.state,
      owner(bridge.origin, bridge.project),
      bridge.uplink ?? '-',
      bridge.members.length === 0 ? '-' : bridge.members.join(', '),
    ]),
  ]);
}

function formatInterfaces(interfaces: readonly HostInterface[]): string {
  if (interfaces.length === 0) return 'No interfaces.';
  return table([
    ['NAME', 'KIND', 'STATE', 'MAC', 'MASTER', 'ADDRESSES'],
    ...interfaces.map((entry) => [
      entry.name,
      entry.kind,
      entry.state,
      entry.mac ?? '-',
      entry.master ?? '-',
      entry.addresses.length === 0 ? '-' : entry.addresses.join(', '),
    ]),
  ]);
}

/** start, stop, delete: a change to one network that returns nothing. */
function defineNetworkChange(
  command: Command,
  ctx: CommandContext,
  method: 'StartNetwork' | 'StopNetwork' | 'DeleteNetwork',
  line: (name: string) => string,
): Command {
  addJsonOption(addTargetOptions(command.argument('<name>', 'the libvirt network'), 'network')).action(
    (name: string, options: TargetOptions & { yes?: boolean }) =>
      reporting(ctx, options, async () => {
        const target = targetOf(name, options, 'network');
        if (method === 'DeleteNetwork') {
          await confirmDeletion(
            ctx,
            options,
            `network "${name}"`,
            `Stop and delete libvirt network "${name}"? Its guests lose it.`,
          );
        }
        const result = await callForTarget(ctx, method, target, target);
        done(ctx, options, result, line(name));
      }),
  );
  return command;
}

function registerLibvirtNetworkCommands(network: Command, ctx: CommandContext): void {
  const libvirt = network.command('libvirt').description('libvirt’s virtual networks on qemu:///system');

  addJsonOption(libvirt.command('list').description('list every libvirt network')).action(
    (options: JsonOption) =>
      reporting(ctx, options, async () => {
        const result = await callHelper(ctx, 'ListNetworks', {});
        show(ctx, options, result, ({ networks }) => formatNetworks(networks));
      }),
  );

  defineNetworkChange(
    libvirt.command('start').description('start a libvirt network'),
    ctx,
    'StartNetwork',
    (name) => `Network "${name}" is active.`,
  );
  defineNetworkChange(
    libvirt.command('stop').description('stop a libvirt network (its guests lose it until it starts again)'),
    ctx,
    'StopNetwork',
    (name) => `Network "${name}" is inactive.`,
  );

  addJsonOption(
    addTargetOptions(
      libvirt
        .command('autostart')
        .description('start a libvirt network with the host, or not')
        .argument('<name>', 'the libvirt network')
        .addArgument(new Argument('<setting>', 'on or off').choices(['on', 'off'])),
      'network',
    ),
  ).action((name: string, setting: 'on' | 'off', options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = targetOf(name, options, 'network');
      const autostart = setting === 'on';
      const result = await callForTarget(ctx, 'SetNetworkAutostart', target, { ...target, autostart });
      done(
        ctx,
        options,
        { ...result, autostart },
        `Network "${name}" ${autostart ? 'starts' : 'does not start'} with the host now.`,
      );
    }),
  );

  addJsonOption(
    libvirt
      .command('dump-xml')
      .description('the XML description of a libvirt network')
      .argument('<name>', 'the libvirt network'),
  ).action((name: string, options: JsonOption) =>
    reporting(ctx, options, async () => {
      checkName(name, 'network name');
      const result = await callHelper(ctx, 'GetNetworkXml', { name });
      show(ctx, options, result, ({ xml }) => xml.trimEnd());
    }),
  );

  addJsonOption(
    libvirt
      .command('leases')
      .description('the DHCP leases a libvirt network handed out')
      .argument('<name>', 'the libvirt network'),
  ).action((name: string, options: JsonOption) =>
    reporting(ctx, options, async () => {
      checkName(name, 'network name');
      const result = await callHelper(ctx, 'GetNetworkLeases', { name });
      show(ctx, options, result, ({ leases }) => formatLeases(`network "${name}"`, leases));
    }),
  );

  addYesOption(
    defineNetworkChange(
      libvirt.command('delete').description('stop and delete a libvirt network'),
      ctx,
      'DeleteNetwork',
      (name) => `Deleted network "${name}".`,
    ),
  );
}

export function registerNetworkCommands(program: Command, ctx: CommandContext): void {
  const network = program
    .command('network')
    .description(
      'networks: host bridges, libvirt networks and engine networks, their leases and members; libvirt’s and bridges’ own commands',
    );

  registerManagementCommands(network, ctx);
  registerLibvirtNetworkCommands(network, ctx);

  const bridge = network.command('bridge').description('Linux bridges of this host');

  addJsonOption(
    bridge.command('list').description('list every bridge of the host, with its members and who made it'),
  ).action((options: JsonOption) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'ListHostBridges', {});
      show(ctx, options, result, ({ bridges }) => formatBridges(bridges));
    }),
  );

  addJsonOption(
    bridge
      .command('leases')
      .description('the DHCP leases of one of Nova’s NAT bridges')
      .argument('<bridge>', 'the bridge'),
  ).action((name: string, options: JsonOption) =>
    reporting(ctx, options, async () => {
      checkInterfaceName(name, 'bridge name');
      const result = await callHelper(ctx, 'GetBridgeLeases', { bridge: name });
      show(ctx, options, result, ({ leases }) => formatLeases(`bridge ${name}`, leases));
    }),
  );

  addJsonOption(
    network.command('interfaces').description('every host interface: kind, state, MAC, addresses, bridge'),
  ).action((options: JsonOption) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'ListHostInterfaces', {});
      show(ctx, options, result, ({ interfaces }) => formatInterfaces(interfaces));
    }),
  );
}

// ── Network management: every kind at once (packages/core/src/networks) ──

function networkService(ctx: CommandContext): NetworkService {
  const services = ctx.services();
  return new NetworkService({
    helper: services.helper,
    instances: services.instances,
    engines: () => services.containers.engines(),
    // One command reads the host once, though it looks the network up before changing it.
    reuseListingMs: 60_000,
  });
}

interface KindOption extends JsonOption {
  kind?: NetworkKind;
}

const kindOption = () =>
  new Option('--kind <kind>', 'which network, when several kinds have that name').choices(NETWORK_KINDS);

const dash = (value: string | undefined): string => value ?? '-';

function membersText(network: ManagedNetwork): string {
  const names = network.members.map((member) => member.name);
  return names.length === 0 ? '-' : names.join(', ');
}

export function formatManagedNetworks(listing: NetworkListing): string {
  const lines =
    listing.networks.length === 0
      ? ['No networks.']
      : [
          table([
            ['NAME', 'KIND', 'ORIGIN', 'STATE', 'MODE', 'SUBNET', 'DHCP', 'LEASES', 'MEMBERS', 'HEALTH'],
            ...listing.networks.map((network) => [
              network.name,
              network.kind,
              owner(network.origin, network.project),
              network.state,
              network.mode,
              dash(network.subnet),
              network.dhcp === undefined ? '-' : `${network.dhcp.start}-${network.dhcp.end}`,
              String(network.leases.length),
              membersText(network),
              network.health.status,
            ]),
          ]),
        ];
  for (const problem of listing.problems) lines.push(`warning: ${problem.message}`);
  return lines.join('\n');
}

export function formatNetworkDetails(network: ManagedNetwork): string {
  const rows: [string, string][] = [
    ['Name', network.name],
    ['Kind', network.kind],
    ['Origin', owner(network.origin, network.project)],
    ['Mode', network.mode],
    ['State', network.state],
    ...(network.autostart === undefined ? [] : [['Autostart', yesNo(network.autostart)] as [string, string]]),
    ['Bridge', dash(network.bridge)],
    ...(network.uplink === undefined ? [] : [['Uplink', network.uplink] as [string, string]]),
    ['Subnet', dash(network.subnet)],
    ['Gateway', dash(network.gateway)],
    ['DHCP', network.dhcp === undefined ? '-' : `${network.dhcp.start}-${network.dhcp.end}`],
    ['Addresses', network.addresses.length === 0 ? '-' : network.addresses.join(', ')],
    ['Health', network.health.status],
  ];
  const width = Math.max(...rows.map(([key]) => key.length)) + 2;
  const lines = rows.map(([key, value]) => `${`${key}:`.padEnd(width)}${value}`);
  for (const check of network.health.checks)
    lines.push(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.check}: ${check.detail}`);
  lines.push('', 'Members:');
  lines.push(
    network.members.length === 0
      ? '  none'
      : table([
          ['KIND', 'NAME', 'MAC', 'STATE'],
          ...network.members.map((m) => [m.kind, m.name, dash(m.mac), dash(m.state)]),
        ])
          .split('\n')
          .map((line) => `  ${line}`)
          .join('\n'),
  );
  lines.push('', 'Leases:');
  lines.push(
    formatLeases(`${network.kind} network "${network.name}"`, network.leases)
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  return lines.join('\n');
}

/** "10.9.0.100-10.9.0.200" (an en dash works too) as its two ends. */
export function parseDhcpRangeOption(text: string): { dhcpStart: string; dhcpEnd: string } {
  const parts = text.split(/\s*[-–]\s*/);
  const [start, end] = parts;
  if (parts.length !== 2 || start === undefined || end === undefined || start === '' || end === '')
    throw new NovaError(
      'invalid-input',
      `--dhcp-range: "${text}" is not a range`,
      'Write it as FIRST-LAST, such as 10.90.0.100-10.90.0.200.',
    );
  return { dhcpStart: start, dhcpEnd: end };
}

interface CreateOptions extends JsonOption {
  type: 'nat' | 'isolated' | 'bridged';
  engine?: 'bolt' | 'docker' | 'podman';
  subnet?: string;
  gateway?: string;
  dhcpRange?: string;
  uplink?: string;
  autostart: boolean;
  project?: string;
}

interface MemberOptions extends KindOption {
  foreign?: boolean;
  engine?: 'bolt' | 'docker' | 'podman';
}

function registerManagementCommands(network: Command, ctx: CommandContext): void {
  addJsonOption(
    network
      .command('list')
      .description('every network: host bridges, libvirt and engine networks, with state, leases and members')
      .addOption(kindOption()),
  ).action((options: KindOption) =>
    reporting(ctx, options, async () => {
      const listing = await networkService(ctx).list();
      const shown =
        options.kind === undefined
          ? listing
          : { ...listing, networks: listing.networks.filter((n) => n.kind === options.kind) };
      show(ctx, options, shown, formatManagedNetworks);
    }),
  );

  addJsonOption(
    network
      .command('inspect')
      .description('one network: addressing, DHCP range and leases, members, health')
      .argument('<name>', 'the network')
      .addOption(kindOption()),
  ).action((name: string, options: KindOption) =>
    reporting(ctx, options, async () => {
      const found = await networkService(ctx).find(name, options.kind);
      show(ctx, options, found, formatNetworkDetails);
    }),
  );

  addJsonOption(
    network
      .command('create')
      .description('create a NAT, isolated or bridged network (checked first; undone if a step fails)')
      .argument('<name>', 'the new network')
      .addOption(
        new Option(
          '--type <type>',
          'nat: guests reach out through the host; isolated: host and guests only; bridged: on the LAN of --uplink',
        )
          .choices(['nat', 'isolated', 'bridged'])
          .default('nat'),
      )
      .addOption(
        new Option(
          '--engine <engine>',
          'make it a container engine’s network instead of a libvirt one',
        ).choices(['bolt', 'docker', 'podman']),
      )
      .option('--subnet <cidr>', 'its IPv4 subnet, such as 10.90.0.0/24')
      .option('--gateway <address>', 'the host’s address on it (default: the first address)')
      .option('--dhcp-range <first-last>', 'the addresses DHCP hands out (default: the upper half)')
      .option(
        '--uplink <interface>',
        'for bridged: the host interface to bridge (its addresses move to the bridge)',
      )
      .option('--no-autostart', 'do not start it with the host')
      .option('--project <project>', 'the Nova project to mark it with (default: cli)'),
  ).action((name: string, options: CreateOptions) =>
    reporting(ctx, options, async () => {
      const input: NewNetwork = {
        type: options.type,
        name,
        backend: options.engine ?? 'libvirt',
        autostart: options.autostart,
        ...(options.subnet === undefined ? {} : { subnet: options.subnet }),
        ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
        ...(options.dhcpRange === undefined ? {} : parseDhcpRangeOption(options.dhcpRange)),
        ...(options.uplink === undefined ? {} : { uplink: options.uplink }),
        ...(options.project === undefined ? {} : { project: options.project }),
      };
      const created = await networkService(ctx).create(input);
      done(ctx, options, created, `Created ${created.kind} network "${created.name}".`);
    }),
  );

  addYesOption(
    addJsonOption(
      network
        .command('delete')
        .description('delete a network; one with members only with --force (they are taken off it first)')
        .argument('<name>', 'the network')
        .addOption(kindOption())
        .option('--force', 'take its VMs and containers off it, then delete it')
        .option(
          '--foreign',
          'allow deleting a network that Nova did not create, and (with --force) taking off instances Nova did not create',
        ),
    ),
  ).action((name: string, options: KindOption & { force?: boolean; foreign?: boolean; yes?: boolean }) =>
    reporting(ctx, options, async () => {
      const service = networkService(ctx);
      const found = await service.find(name, options.kind);
      const members = found.members.filter((member) => member.kind !== 'interface');
      await confirmDeletion(
        ctx,
        options,
        `${found.kind} network "${name}"`,
        `Delete ${found.kind} network "${name}"?${
          members.length === 0 ? '' : ` Its members lose it: ${members.map((m) => m.name).join(', ')}.`
        }`,
      );
      const result = await service.remove({
        name,
        kind: found.kind,
        force: options.force === true,
        foreign: options.foreign === true,
      });
      done(ctx, options, result, `Deleted ${found.kind} network "${name}".`);
    }),
  );

  for (const verb of ['attach', 'detach'] as const) {
    addJsonOption(
      network
        .command(verb)
        .description(
          verb === 'attach'
            ? 'put a VM (a new interface, live and in its definition) or a container on a network'
            : 'take a VM (its interfaces on the network) or a container off a network',
        )
        .argument('<network>', 'the network')
        .argument('<instance>', 'the VM (libvirt networks, bridges) or container (engine networks)')
        .addOption(kindOption())
        .option('--foreign', 'allow changing an instance that Nova did not create'),
    ).action((name: string, instance: string, options: MemberOptions) =>
      reporting(ctx, options, async () => {
        const service = networkService(ctx);
        const found = await service.find(name, options.kind);
        const isVm = found.kind === 'libvirt' || found.kind === 'bridge';
        const ref = { kind: found.kind, name: found.name };
        const who = {
          kind: isVm ? ('vm' as const) : ('container' as const),
          name: instance,
          foreign: options.foreign === true,
          ...(isVm ? {} : { engine: found.kind as 'bolt' | 'docker' | 'podman' }),
        };
        if (verb === 'attach') {
          const result = await service.attach(ref, who);
          done(
            ctx,
            options,
            result,
            `${isVm ? 'VM' : 'Container'} "${instance}" is on ${found.kind} network "${name}"${
              result.mac === undefined
                ? ''
                : ` (${result.mac}${result.live ? ', live' : ', from its next start'})`
            }.`,
          );
        } else {
          const result = await service.detach(ref, who);
          done(
            ctx,
            options,
            result,
            `${isVm ? 'VM' : 'Container'} "${instance}" is off ${found.kind} network "${name}".`,
          );
        }
      }),
    );
  }

  addJsonOption(
    network
      .command('autostart')
      .description('start a libvirt network with the host, or not')
      .argument('<name>', 'the network')
      .addArgument(new Argument('<setting>', 'on or off').choices(['on', 'off']))
      .addOption(kindOption())
      .option('--foreign', 'allow changing a network that Nova did not create'),
  ).action((name: string, setting: 'on' | 'off', options: KindOption & { foreign?: boolean }) =>
    reporting(ctx, options, async () => {
      const autostart = setting === 'on';
      await networkService(ctx).setAutostart(
        { name, kind: options.kind ?? 'libvirt', foreign: options.foreign === true },
        autostart,
      );
      done(
        ctx,
        options,
        { autostart },
        `Network "${name}" ${autostart ? 'starts' : 'does not start'} with the host now.`,
      );
    }),
  );
}
