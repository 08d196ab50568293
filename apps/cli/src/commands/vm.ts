// `nova vm …`: libvirt VMs through the helper; and the original Nova's `run/stop/status vm NAME`.
import {
  type DomainDiskSpec,
  type DomainInfo,
  type DomainInterfaceAddresses,
  type DomainNicSpec,
  type DomainStats,
  type DomainSummary,
  type SnapshotSummary,
  type StopHow,
  toErrorData,
  vmActions,
} from '@nova/core';
import { Argument, type Command, Option } from 'commander';

import { table } from '../format.js';
import {
  addJsonOption,
  addTargetOptions,
  addYesOption,
  callForTarget,
  callHelper,
  checkName,
  checkSeconds,
  checkSnapshotName,
  type CommandContext,
  commandGroup,
  confirmDeletion,
  done,
  helperFor,
  humanBytes,
  type JsonOption,
  plural,
  reporting,
  show,
  type TargetOptions,
  vmRefOf,
  vmTargetOf,
  yesNo,
} from './shared.js';

/** How long a shutdown waits for the guest before forcing it off, unless --timeout says otherwise. */
const DEFAULT_SHUTDOWN_SECONDS = 60;
const MAX_SHUTDOWN_SECONDS = 3600;

interface StopOptions extends TargetOptions {
  force?: boolean;
  timeout?: string;
}

function formatDomainList(domains: readonly DomainSummary[]): string {
  if (domains.length === 0) return 'No VMs.';
  return table([
    ['NAME', 'STATE', 'ORIGIN', 'VCPUS', 'MEMORY'],
    ...[...domains]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((domain) => [
        domain.name,
        domain.state,
        domain.origin,
        String(domain.vcpus),
        humanBytes(domain.memoryBytes),
      ]),
  ]);
}

function describeDisk(disk: DomainDiskSpec): string {
  const source =
    disk.source.type === 'volume' ? `${disk.source.pool}/${disk.source.volume}` : disk.source.path;
  const traits = [disk.format, disk.bus, ...(disk.device === 'cdrom' ? ['CD-ROM'] : [])];
  if (disk.readonly) traits.push('read-only');
  return `${disk.target}  ${source}  (${traits.join(', ')})`;
}

function describeNic(nic: DomainNicSpec): string {
  const source =
    nic.source.type === 'network' ? `network ${nic.source.network}` : `bridge ${nic.source.bridge}`;
  return `${nic.mac ?? '(MAC chosen by libvirt)'}  ${source}  (${nic.model})`;
}

function addressLines(interfaces: readonly DomainInterfaceAddresses[]): string[] {
  return interfaces.flatMap((entry) =>
    entry.addresses.map(
      (address) => `${address.address}/${address.prefix}  ${entry.interface}  ${entry.mac}`,
    ),
  );
}

type VmInfo = DomainInfo & { addresses?: DomainInterfaceAddresses[] };

function formatVmInfo(info: VmInfo): string {
  const many = (label: string, values: string[], none: string): string[][] =>
    values.length === 0 ? [[label, none]] : values.map((value, index) => [index === 0 ? label : '', value]);
  const owner =
    info.origin === 'nova'
      ? `Nova${info.project === undefined ? '' : `, project ${info.project}`}`
      : 'not Nova (changes need --foreign)';
  return table([
    ['Name', info.name],
    ['UUID', info.uuid],
    ['State', `${info.state} (${info.reason})`],
    ['Owner', owner],
    ['Autostart', yesNo(info.autostart)],
    ['Persistent', yesNo(info.persistent)],
    ['Type', info.type],
    ['vCPUs', String(info.vcpus)],
    ['Memory', humanBytes(info.memoryBytes)],
    ['Snapshots', String(info.snapshots)],
    ...many('Disks', info.disks.map(describeDisk), 'none'),
    ...many('Interfaces', info.nics.map(describeNic), 'none'),
    ...(info.addresses === undefined
      ? []
      : many('Addresses', addressLines(info.addresses), 'none known yet')),
  ]);
}

function formatSnapshots(vm: string, snapshots: readonly SnapshotSummary[]): string {
  if (snapshots.length === 0) return `VM "${vm}" has no snapshots.`;
  return table([
    ['NAME', 'CREATED', 'STATE', 'CURRENT', 'PARENT', 'DESCRIPTION'],
    ...snapshots.map((snapshot) => [
      snapshot.name,
      snapshot.createdAt.replace(/\.\d{3}Z$/, 'Z'),
      snapshot.state,
      snapshot.current ? '*' : '',
      snapshot.parent ?? '-',
      snapshot.description ?? '',
    ]),
  ]);
}

function formatStats(stats: readonly DomainStats[]): string {
  if (stats.length === 0) return 'No VMs.';
  return table([
    ['NAME', 'STATE', 'CPU TIME', 'VCPUS', 'MEMORY', 'USED', 'DISK READ', 'DISK WRITE', 'NET RX', 'NET TX'],
    ...stats.map((entry) => [
      entry.name,
      entry.state,
      `${(entry.cpuTimeNs / 1e9).toFixed(1)} s`,
      String(entry.vcpus),
      humanBytes(entry.memoryBytes),
      entry.memoryUsedBytes === undefined ? '-' : humanBytes(entry.memoryUsedBytes),
      humanBytes(entry.diskReadBytes),
      humanBytes(entry.diskWriteBytes),
      humanBytes(entry.netRxBytes),
      humanBytes(entry.netTxBytes),
    ]),
  ]);
}

function formatAddresses(
  vm: string,
  source: string,
  interfaces: readonly DomainInterfaceAddresses[],
): string {
  const rows = interfaces.flatMap((entry) =>
    entry.addresses.map((address) => [
      entry.interface,
      entry.mac,
      address.family,
      `${address.address}/${address.prefix}`,
    ]),
  );
  if (rows.length === 0) return `No addresses known for VM "${vm}" (from ${source}).`;
  return table([['INTERFACE', 'MAC', 'FAMILY', 'ADDRESS'], ...rows]);
}

// Each verb is defined once and registered both under `vm` and as the original Nova's alias.

function defineStart(command: Command, ctx: CommandContext): void {
  addJsonOption(addTargetOptions(command.argument('<name>', 'the VM (its name or UUID)'), 'VM')).action(
    (name: string, options: TargetOptions) =>
      reporting(ctx, options, async () => {
        const target = vmTargetOf(name, options);
        const result = await vmActions.start(helperFor(ctx, target), target);
        done(ctx, options, result, `VM "${name}" is ${result.state}.`);
      }),
  );
}

function defineStop(command: Command, ctx: CommandContext, forceOption: boolean): void {
  command.argument('<name>', 'the VM (its name or UUID)');
  if (forceOption) command.option('-f, --force', 'force it off at once (like pulling the plug)');
  command.addOption(
    new Option(
      '--timeout <seconds>',
      'how long to wait for the guest to shut down before forcing it off',
    ).default(String(DEFAULT_SHUTDOWN_SECONDS), `${DEFAULT_SHUTDOWN_SECONDS} seconds`),
  );
  addJsonOption(addTargetOptions(command, 'VM')).action((name: string, options: StopOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      const how: StopHow =
        options.force === true
          ? { mode: 'destroy' }
          : {
              mode: 'shutdown',
              timeoutSeconds: checkSeconds(
                options.timeout ?? String(DEFAULT_SHUTDOWN_SECONDS),
                '--timeout',
                MAX_SHUTDOWN_SECONDS,
              ),
              forceAfterTimeout: true,
            };
      const result = await vmActions.stop(helperFor(ctx, target), target, how);
      const forced =
        result.forced && how.mode === 'shutdown'
          ? ` (forced off: it did not shut down within ${how.timeoutSeconds} s)`
          : result.forced
            ? ' (forced off)'
            : '';
      done(ctx, options, result, `VM "${name}" is ${result.state}${forced}.`);
    }),
  );
}

function defineInfo(command: Command, ctx: CommandContext): void {
  addJsonOption(command.argument('<name>', 'the VM (its name or UUID)')).action(
    (name: string, options: JsonOption) =>
      reporting(ctx, options, async () => {
        const ref = vmRefOf(name);
        const info = await callHelper(ctx, 'GetDomainInfo', ref);
        let addresses: DomainInterfaceAddresses[] | undefined;
        if (info.state === 'running') {
          try {
            addresses = (await callHelper(ctx, 'GetDomainAddresses', { ...ref, source: 'lease' })).interfaces;
          } catch (err) {
            // The VM's own facts are still worth printing when its addresses cannot be read.
            ctx.io.err(
              `nova: warning: the addresses of VM "${name}" could not be read: ${toErrorData(err).message}`,
            );
          }
        }
        const shown: VmInfo = addresses === undefined ? info : { ...info, addresses };
        show(ctx, options, shown, formatVmInfo);
      }),
  );
}

/** A change that returns the VM's new state: pause, resume. */
function defineStateChange(command: Command, ctx: CommandContext, verb: 'pause' | 'resume'): void {
  addJsonOption(addTargetOptions(command.argument('<name>', 'the VM (its name or UUID)'), 'VM')).action(
    (name: string, options: TargetOptions) =>
      reporting(ctx, options, async () => {
        const target = vmTargetOf(name, options);
        const result = await vmActions[verb](helperFor(ctx, target), target);
        done(ctx, options, result, `VM "${name}" is ${result.state}.`);
      }),
  );
}

function registerSnapshotCommands(vm: Command, ctx: CommandContext): void {
  const snapshot = vm
    .command('snapshot')
    .description('snapshots of a VM: its disks (and its memory while it runs), to go back to later');

  addJsonOption(
    addTargetOptions(
      snapshot
        .command('create')
        .description('take a snapshot of a VM (it needs a qcow2 disk)')
        .argument('<name>', 'the VM (its name or UUID)')
        .argument('<snapshot>', 'a name for the snapshot')
        .option('--description <text>', 'what the snapshot is for'),
      'VM',
    ),
  ).action((name: string, snapshotName: string, options: TargetOptions & { description?: string }) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      checkSnapshotName(snapshotName);
      const result = await callForTarget(ctx, 'CreateSnapshot', target, {
        ...target,
        snapshot: snapshotName,
        ...(options.description === undefined ? {} : { description: options.description }),
      });
      done(ctx, options, result, `Took snapshot "${result.name}" of VM "${name}" (${result.state}).`);
    }),
  );

  addJsonOption(
    snapshot
      .command('list')
      .description('list the snapshots of a VM')
      .argument('<name>', 'the VM (its name or UUID)'),
  ).action((name: string, options: JsonOption) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'ListSnapshots', vmRefOf(name));
      show(ctx, options, result, ({ snapshots }) => formatSnapshots(name, snapshots));
    }),
  );

  addJsonOption(
    addTargetOptions(
      snapshot
        .command('revert')
        .description('put a VM back to a snapshot (what changed since is lost)')
        .argument('<name>', 'the VM (its name or UUID)')
        .argument('<snapshot>', 'the snapshot'),
      'VM',
    ),
  ).action((name: string, snapshotName: string, options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      checkSnapshotName(snapshotName);
      const result = await callForTarget(ctx, 'RevertSnapshot', target, {
        ...target,
        snapshot: snapshotName,
      });
      done(
        ctx,
        options,
        result,
        `Reverted VM "${name}" to snapshot "${snapshotName}"; it is ${result.state}.`,
      );
    }),
  );

  addJsonOption(
    addTargetOptions(
      snapshot
        .command('delete')
        .description('delete a snapshot of a VM (the VM stays as it is)')
        .argument('<name>', 'the VM (its name or UUID)')
        .argument('<snapshot>', 'the snapshot'),
      'VM',
    ),
  ).action((name: string, snapshotName: string, options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      checkSnapshotName(snapshotName);
      const result = await callForTarget(ctx, 'DeleteSnapshot', target, {
        ...target,
        snapshot: snapshotName,
      });
      done(ctx, options, result, `Deleted snapshot "${snapshotName}" of VM "${name}".`);
    }),
  );
}

export function registerVmCommands(program: Command, ctx: CommandContext): void {
  const vm = program
    .command('vm')
    .description('libvirt VMs: list, inspect, start and stop, snapshots, clones');

  addJsonOption(vm.command('list').description('list every libvirt VM on qemu:///system')).action(
    (options: JsonOption) =>
      reporting(ctx, options, async () => {
        const result = await callHelper(ctx, 'ListDomains', {});
        show(ctx, options, result, ({ domains }) => formatDomainList(domains));
      }),
  );

  defineInfo(
    vm
      .command('info')
      .description('one VM: state and why, owner, size, disks, interfaces, snapshots, addresses'),
    ctx,
  );
  defineStart(vm.command('start').description('start a VM (or resume it, if paused)'), ctx);
  defineStop(
    vm
      .command('stop')
      .description('shut a VM down, forcing it off after --timeout seconds; --force: force it off at once'),
    ctx,
    true,
  );
  defineStop(
    vm
      .command('shutdown')
      .description('ask the guest to shut down (ACPI), forcing it off after --timeout seconds'),
    ctx,
    false,
  );

  addJsonOption(
    addTargetOptions(
      vm
        .command('reboot')
        .description('ask a running VM to reboot (ACPI)')
        .argument('<name>', 'the VM (its name or UUID)'),
      'VM',
    ),
  ).action((name: string, options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      const result = await vmActions.reboot(helperFor(ctx, target), target);
      done(ctx, options, result, `VM "${name}" is rebooting.`);
    }),
  );

  defineStateChange(vm.command('pause').description('pause a running VM'), ctx, 'pause');
  defineStateChange(vm.command('resume').description('resume a paused VM'), ctx, 'resume');

  addJsonOption(
    addTargetOptions(
      vm
        .command('autostart')
        .description('start a VM with the host, or not')
        .argument('<name>', 'the VM (its name or UUID)')
        .addArgument(new Argument('<setting>', 'on or off').choices(['on', 'off'])),
      'VM',
    ),
  ).action((name: string, setting: 'on' | 'off', options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      const autostart = setting === 'on';
      const result = await callForTarget(ctx, 'SetDomainAutostart', target, { ...target, autostart });
      done(
        ctx,
        options,
        { ...result, autostart },
        `VM "${name}" ${autostart ? 'starts' : 'does not start'} with the host now.`,
      );
    }),
  );

  addJsonOption(
    addYesOption(
      addTargetOptions(
        vm
          .command('delete')
          .description('force a VM off and delete it with its snapshots')
          .argument('<name>', 'the VM (its name or UUID)')
          .option('--with-disks', 'also delete the disk images Nova created for it'),
        'VM',
      ),
    ),
  ).action((name: string, options: TargetOptions & { withDisks?: boolean; yes?: boolean }) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      const removeVolumes = options.withDisks === true;
      await confirmDeletion(
        ctx,
        options,
        `VM "${name}"`,
        `Delete VM "${name}" and its snapshots${removeVolumes ? ', with the disk images Nova created for it' : ''}? This cannot be undone.`,
      );
      const result = await vmActions.delete(helperFor(ctx, target), target, removeVolumes);
      done(
        ctx,
        options,
        result,
        [
          `Deleted VM "${name}".`,
          ...result.removedVolumes.map((volume) => `Deleted disk image ${volume}.`),
        ].join('\n'),
      );
    }),
  );

  registerSnapshotCommands(vm, ctx);

  addJsonOption(
    addTargetOptions(
      vm
        .command('clone')
        .description('copy a shut-off VM under a new name, with copies of its disk images and new MACs')
        .argument('<name>', 'the VM to copy (its name or UUID)')
        .argument('<new-name>', 'the name of the copy'),
      'VM',
    ),
  ).action((name: string, newName: string, options: TargetOptions) =>
    reporting(ctx, options, async () => {
      const target = vmTargetOf(name, options);
      checkName(newName, 'VM name');
      const result = await callForTarget(ctx, 'CloneDomain', target, { ...target, clone: newName });
      done(
        ctx,
        options,
        result,
        `Cloned VM "${name}" as "${result.name}"${
          result.volumes.length === 0
            ? ''
            : `, with ${plural(result.volumes.length, 'disk image')}: ${result.volumes.join(', ')}`
        }.`,
      );
    }),
  );

  addJsonOption(
    vm
      .command('addresses')
      .description('the IP addresses of a VM')
      .argument('<name>', 'the VM (its name or UUID)')
      .addOption(
        new Option('--source <source>', 'where to ask: DHCP leases, the guest agent or the ARP table')
          .choices(['lease', 'agent', 'arp'])
          .default('lease'),
      ),
  ).action((name: string, options: JsonOption & { source: 'lease' | 'agent' | 'arp' }) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'GetDomainAddresses', {
        ...vmRefOf(name),
        source: options.source,
      });
      show(ctx, options, result, ({ interfaces }) => formatAddresses(name, options.source, interfaces));
    }),
  );

  addJsonOption(
    vm
      .command('stats')
      .description('CPU, memory, disk and network counters of every VM, or of the named ones')
      .argument('[names...]', 'the VMs (default: all)'),
  ).action((names: string[], options: JsonOption) =>
    reporting(ctx, options, async () => {
      for (const name of names) checkName(name, 'VM name');
      const result = await callHelper(ctx, 'GetDomainStats', names.length === 0 ? {} : { names });
      show(ctx, options, result, ({ stats }) => formatStats(stats));
    }),
  );

  addJsonOption(
    vm
      .command('xml')
      .description('the XML description of a VM, as libvirt keeps it')
      .argument('<name>', 'the VM (its name or UUID)')
      .option('--inactive', 'its persistent definition (what it boots with next)'),
  ).action((name: string, options: JsonOption & { inactive?: boolean }) =>
    reporting(ctx, options, async () => {
      const result = await callHelper(ctx, 'GetDomainXml', {
        ...vmRefOf(name),
        inactive: options.inactive === true,
      });
      show(ctx, options, result, ({ xml }) => xml.trimEnd());
    }),
  );

  // The original Nova's verbs, kept so that its users' scripts go on working.
  defineStart(
    commandGroup(program, 'run', 'start something (as in the original Nova)')
      .command('vm')
      .description('start a VM (= nova vm start)'),
    ctx,
  );
  defineStop(
    commandGroup(program, 'stop', 'stop something (as in the original Nova)')
      .command('vm')
      .description('shut a VM down (= nova vm stop)'),
    ctx,
    true,
  );
  defineInfo(
    commandGroup(program, 'status', 'show something (as in the original Nova)')
      .command('vm')
      .description('one VM in detail (= nova vm info)'),
    ctx,
  );
}
