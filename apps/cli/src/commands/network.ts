// `nova network …`: libvirt networks, host bridges and interfaces, and their DHCP leases.
import type { HostBridgeSummary, HostInterface, Lease, NetworkSummary } from '@nova/core';
import { Argument, type Command } from 'commander';

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

export function formatNetworks(networks: readonly NetworkSummary[]): string {
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

export function formatLeases(where: string, leases: readonly Lease[]): string {
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

export function formatBridges(bridges: readonly HostBridgeSummary[]): string {
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

export function formatInterfaces(interfaces: readonly HostInterface[]): string {
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
    .description('networks: libvirt’s virtual networks, host bridges and interfaces');

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
