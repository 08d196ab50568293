// What the vm, network and storage commands share: checked arguments, helper calls, JSON and tables.
import {
  describeZodError,
  type DomainRef,
  DomainUuid,
  type HelperCall,
  type HelperInput,
  type HelperMethodName,
  helperMethods,
  type HelperMethodSpec,
  type HelperOutput,
  InterfaceName,
  NovaError,
  parseSize,
  ResourceName,
  type Target,
  toErrorData,
  type VmTarget,
  VolumeSpec,
} from '@nova/core';
import type { Command } from 'commander';

import type { CommandContext } from '../novafile-commands.js';

export type { CommandContext } from '../novafile-commands.js';

export interface JsonOption {
  json?: boolean;
}

export interface TargetOptions extends JsonOption {
  foreign?: boolean;
  project?: string;
}

const NAME_RULE =
  'A name starts with a letter or digit, followed by up to 62 letters, digits, ".", "_" or "-".';

function check(
  schema: { safeParse(value: unknown): { success: boolean } },
  value: string,
  what: string,
  rule: string,
): string {
  if (!schema.safeParse(value).success) {
    throw new NovaError('invalid-input', `"${value}" is not a valid ${what}`, rule);
  }
  return value;
}

/** A VM, network, pool or project name as the contract's ResourceName allows it. */
export const checkName = (value: string, what: string): string => check(ResourceName, value, what, NAME_RULE);

export const checkSnapshotName = (value: string): string =>
  check(helperMethods.CreateSnapshot.input.shape.snapshot, value, 'snapshot name', NAME_RULE);

export const checkInterfaceName = (value: string, what: string): string =>
  check(
    InterfaceName,
    value,
    what,
    'An interface name has 1 to 15 letters, digits, ".", "_", ":" or "-" (as `ip link` shows it).',
  );

export const checkVolumeName = (value: string): string =>
  check(
    VolumeSpec.shape.name,
    value,
    'disk image name',
    'A disk image name starts with a letter or digit, followed by up to 127 letters, digits, ".", "_" or "-".',
  );

const MIN_VOLUME_BYTES = 1024 * 1024;
const MAX_VOLUME_BYTES = 64 * 1024 ** 4;

/** A disk image size such as "10Gi", within what the helper creates. */
export function checkVolumeSize(text: string): number {
  const size = parseSize(text);
  if (!size.ok)
    throw new NovaError(
      'invalid-input',
      `--size: ${size.message}`,
      `${size.hint.charAt(0).toUpperCase()}${size.hint.slice(1)}.`,
    );
  if (size.bytes < MIN_VOLUME_BYTES || size.bytes > MAX_VOLUME_BYTES) {
    throw new NovaError(
      'invalid-input',
      `--size: ${text} is outside what a disk image may be (1Mi to 64Ti)`,
      'Write a size such as "10Gi".',
    );
  }
  return size.bytes;
}

/** A whole number of seconds in [min, max], for options such as --timeout. */
export function checkSeconds(text: string, option: string, max: number): number {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds > max) {
    throw new NovaError(
      'invalid-input',
      `${option}: "${text}" is not a whole number of seconds from 0 to ${max}`,
    );
  }
  return seconds;
}

/** Who a change may reach; a project's VM is Nova's, so --project and --foreign exclude each other. */
function ownerOf(options: TargetOptions, what: string): { foreign: boolean; project?: string } {
  if (options.project !== undefined) checkName(options.project, 'project name');
  if (options.foreign === true && options.project !== undefined) {
    throw new NovaError(
      'invalid-input',
      '--foreign and --project exclude each other',
      `--project names a Nova project's ${what}; --foreign one that Nova did not create.`,
    );
  }
  return {
    foreign: options.foreign === true,
    ...(options.project === undefined ? {} : { project: options.project }),
  };
}

/** The Target of a change to a network (or another object named by its name). */
export function targetOf(name: string, options: TargetOptions, what: string): Target & { name: string } {
  checkName(name, `${what} name`);
  return { name, ...ownerOf(options, what) };
}

/** A VM as a person names it, as virsh reads it: by its UUID when it has that shape, else by its name. */
export function vmRefOf(vm: string): DomainRef {
  if (DomainUuid.safeParse(vm.toLowerCase()).success) return { uuid: vm.toLowerCase() };
  return { name: checkName(vm, 'VM name') };
}

/** The VM a change is for (by name or UUID) and who it may reach. */
export function vmTargetOf(vm: string, options: TargetOptions): VmTarget {
  return { ...vmRefOf(vm), ...ownerOf(options, 'VM') };
}

export function addTargetOptions(command: Command, what: string): Command {
  return command
    .option('--foreign', `allow changing a ${what} that Nova did not create`)
    .option('--project <project>', `change the ${what} only if it belongs to this Nova project`);
}

/**
 * The subcommand group `name` of `parent` (such as the original Nova's `run`, `stop`, `status`), made
 * on first use, so that VMs and containers each add their verb to the same group.
 */
export function commandGroup(parent: Command, name: string, description: string): Command {
  return (
    parent.commands.find((command) => command.name() === name) ??
    parent.command(name).description(description)
  );
}

export function addJsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON document (stable structure for tools)');
}

/**
 * Calls the helper after checking the input against the contract here, so that a bad argument fails
 * with exit code 2 before anything goes over the bus.
 */
export async function callHelper<M extends HelperMethodName>(
  ctx: CommandContext,
  method: M,
  input: HelperInput<M>,
): Promise<HelperOutput<M>> {
  const spec: HelperMethodSpec = helperMethods[method];
  const checked = spec.input.safeParse(input);
  if (!checked.success) throw new NovaError('invalid-input', describeZodError(checked.error));
  return ctx.services().helper(method, input);
}

/** A change to a VM or network: when the helper refuses it as not Nova's, say how to insist. */
export async function callForTarget<M extends HelperMethodName>(
  ctx: CommandContext,
  method: M,
  target: { foreign?: boolean | undefined; project?: string | undefined },
  input: HelperInput<M>,
): Promise<HelperOutput<M>> {
  try {
    return await callHelper(ctx, method, input);
  } catch (err) {
    // The detail the helper adds does not survive the bus, so the hint is given here.
    if (
      err instanceof NovaError &&
      err.code === 'conflict' &&
      target.foreign !== true &&
      target.project === undefined &&
      err.message.includes('not created by Nova') &&
      !`${err.message} ${err.detail ?? ''}`.includes('--foreign')
    ) {
      throw new NovaError(
        'conflict',
        err.message,
        'Run the command again with --foreign to change it anyway, or use virsh.',
      );
    }
    throw err;
  }
}

/** The helper as a change to `target` reaches it: checked input, and the --foreign hint on refusal. */
export function helperFor(
  ctx: CommandContext,
  target: { foreign?: boolean | undefined; project?: string | undefined },
): HelperCall {
  return (method, input) => callForTarget(ctx, method, target, input);
}

/**
 * Runs a command's work; with --json, a failure is also one JSON document on stdout. The error is
 * thrown on, for runNova to print and map to an exit code.
 */
export async function reporting(ctx: CommandContext, options: JsonOption, work: () => Promise<void>) {
  try {
    await work();
  } catch (err) {
    if (options.json === true) ctx.io.out(JSON.stringify({ ok: false, error: toErrorData(err) }, null, 2));
    throw err;
  }
}

/** Prints what a read returned: the document itself with --json, else the readable form. */
export function show<T>(ctx: CommandContext, options: JsonOption, value: T, readable: (value: T) => string) {
  ctx.io.out(options.json === true ? JSON.stringify(value, null, 2) : readable(value));
}

/** Prints the outcome of an action: `{ ok: true, … }` with what the helper returned, or one line. */
export function done(ctx: CommandContext, options: JsonOption, returned: object, line: string): void {
  ctx.io.out(options.json === true ? JSON.stringify({ ok: true, ...returned }, null, 2) : line);
}

/** Asks before deleting; without a terminal to ask on, only --yes may delete. */
export async function confirmDeletion(
  ctx: CommandContext,
  options: { yes?: boolean },
  what: string,
  question: string,
): Promise<void> {
  if (options.yes === true) return;
  if (ctx.confirm === undefined) {
    throw new NovaError(
      'invalid-input',
      `deleting ${what} needs confirmation and there is no terminal to confirm on`,
      'Pass --yes to delete without asking.',
    );
  }
  if (!(await ctx.confirm(question))) {
    throw new NovaError('failed', `nothing was deleted: deleting ${what} was not confirmed`);
  }
}

export function addYesOption(command: Command): Command {
  return command.option('-y, --yes', 'do not ask before deleting');
}

/** Bytes for people: "128 MiB", "1.5 GiB". */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? 'B'}`;
}

export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** Seconds since the epoch as a UTC time without milliseconds. */
export function utcTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
