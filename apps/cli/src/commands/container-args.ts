// The container commands' arguments, as docker and podman users write them, turned into the
// contract's shapes (NewContainer, ExecRequest, LogOptions…). Pure: no I/O, so every rule is unit-tested.
import {
  AbsolutePath,
  ContainerRef,
  type ContainerTarget,
  describeZodError,
  EngineObjectName,
  type EngineObjectTarget,
  ExecRequest,
  ImageRef,
  Ipv4Address,
  LabelKey,
  NewContainer,
  NovaError,
  parseSize,
  ResourceName,
} from '@nova/core';

import type { TargetOptions } from './shared.js';

type Port = NewContainer['ports'][number];
type Mount = NewContainer['mounts'][number];

/** Commander's collector for repeatable options (--env A=1 --env B=2). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function invalid(message: string, hint?: string): NovaError {
  return new NovaError('invalid-input', message, hint);
}

function checkContainerRef(ref: string): string {
  if (!ContainerRef.safeParse(ref).success)
    throw invalid(
      `"${ref}" is not a container name or id`,
      'A container name starts with a letter or digit, followed by up to 127 letters, digits, ".", "_" or "-".',
    );
  return ref;
}

export function checkImageRef(ref: string): string {
  if (!ImageRef.safeParse(ref).success)
    throw invalid(
      `"${ref}" is not an image reference`,
      'Write [registry/]repository[:tag], e.g. docker.io/library/alpine:3.20, or an image id.',
    );
  return ref;
}

export function checkObjectName(name: string, what: 'network' | 'volume'): string {
  if (!EngineObjectName.safeParse(name).success)
    throw invalid(
      `"${name}" is not a valid ${what} name`,
      `A ${what} name starts with a letter or digit, followed by up to 127 letters, digits, ".", "_" or "-".`,
    );
  return name;
}

function checkProject(options: TargetOptions, what: string): void {
  if (options.project !== undefined && !ResourceName.safeParse(options.project).success)
    throw invalid(`"${options.project}" is not a valid project name`);
  if (options.foreign === true && options.project !== undefined)
    throw invalid(
      '--foreign and --project exclude each other',
      `--project names a Nova project's ${what}; --foreign one that Nova did not create.`,
    );
}

/** Which container a change is for; a project's container is Nova's, so --project and --foreign exclude each other. */
export function containerTargetOf(ref: string, options: TargetOptions): ContainerTarget {
  checkContainerRef(ref);
  checkProject(options, 'container');
  return {
    container: ref,
    foreign: options.foreign === true,
    ...(options.project === undefined ? {} : { project: options.project }),
  };
}

export function objectTargetOf(
  name: string,
  options: TargetOptions,
  what: 'network' | 'volume',
): EngineObjectTarget {
  checkObjectName(name, what);
  checkProject(options, what);
  return {
    name,
    foreign: options.foreign === true,
    ...(options.project === undefined ? {} : { project: options.project }),
  };
}

/** KEY=VALUE pairs (--env, exec --env); the value may be empty and may hold "=". */
export function parseEnv(entries: readonly string[], option = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw invalid(
        `${option} "${entry}" is not KEY=VALUE`,
        'A key starts with a letter or "_", followed by letters, digits or "_"; e.g. --env GREETING=hello.',
      );
    env[key] = entry.slice(eq + 1);
  }
  return env;
}

/** k=v pairs (--label); Nova's own dev.nova. labels are refused. */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    const checked = LabelKey.safeParse(key);
    if (!checked.success)
      throw invalid(
        `--label "${entry}": ${checked.error.issues[0]?.message ?? 'not a label key'}`,
        'Write --label key=value, with a key such as org.example.team (dev.nova. is Nova’s own).',
      );
    labels[key] = eq < 0 ? '' : entry.slice(eq + 1);
  }
  return labels;
}

function port(text: string, entry: string): number {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 1 && value <= 65535))
    throw invalid(`--publish "${entry}": "${text}" is not a port (1 to 65535)`, PUBLISH_HINT);
  return value;
}

const PUBLISH_HINT =
  'Write [ip:]hostPort:containerPort[/tcp|udp], e.g. --publish 8080:80 or 127.0.0.1:5432:5432.';

/** --publish [ip:]host:container[/proto]: a container port published on a host port. */
export function parsePublish(entry: string): Port {
  const slash = entry.lastIndexOf('/');
  const ports = slash < 0 ? entry : entry.slice(0, slash);
  const protocol = slash < 0 ? 'tcp' : entry.slice(slash + 1).toLowerCase();
  if (protocol !== 'tcp' && protocol !== 'udp')
    throw invalid(`--publish "${entry}": "${protocol}" is not tcp or udp`, PUBLISH_HINT);
  const parts = ports.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw invalid(`--publish "${entry}" does not say both a host port and a container port`, PUBLISH_HINT);
  const [hostIp, host, container] = parts.length === 3 ? parts : [undefined, ...parts];
  if (hostIp !== undefined && !Ipv4Address.safeParse(hostIp).success)
    throw invalid(`--publish "${entry}": "${hostIp}" is not an IPv4 address`, PUBLISH_HINT);
  return {
    ...(hostIp === undefined ? {} : { hostIp }),
    hostPort: port(host ?? '', entry),
    containerPort: port(container ?? '', entry),
    protocol,
  };
}

const VOLUME_HINT =
  'Write SOURCE:TARGET[:ro], where SOURCE is an absolute host path (a bind mount) or a volume name, e.g. --volume /srv/data:/data:ro or --volume cache:/cache.';

/** --volume src:dst[:ro|rw]: an absolute source is a bind mount, anything else a volume's name. */
export function parseVolume(entry: string): Mount {
  const parts = entry.split(':');
  const [source = '', target = '', mode] = parts;
  if (parts.length < 2 || parts.length > 3 || source === '' || target === '')
    throw invalid(`--volume "${entry}" is not SOURCE:TARGET[:ro]`, VOLUME_HINT);
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw')
    throw invalid(`--volume "${entry}": "${mode}" is not ro or rw`, VOLUME_HINT);
  if (!AbsolutePath.safeParse(target).success)
    throw invalid(
      `--volume "${entry}": the target "${target}" is not an absolute, normalized path`,
      VOLUME_HINT,
    );
  const bind = source.startsWith('/');
  if (bind && !AbsolutePath.safeParse(source).success)
    throw invalid(`--volume "${entry}": "${source}" is not a normalized absolute path`, VOLUME_HINT);
  if (!bind && !EngineObjectName.safeParse(source).success)
    throw invalid(
      `--volume "${entry}": "${source}" is neither an absolute path nor a volume name`,
      source.startsWith('.') || source.startsWith('~')
        ? 'A bind mount needs an absolute path: write it out in full (e.g. "$PWD/data").'
        : VOLUME_HINT,
    );
  return { type: bind ? 'bind' : 'volume', source, target, readOnly: mode === 'ro' };
}

/** --restart no|always|unless-stopped|on-failure[:N]. */
export function parseRestart(text: string): NewContainer['restart'] {
  const match = /^(no|always|unless-stopped|on-failure)(?::(\d{1,4}))?$/.exec(text);
  const name = match?.[1] as NewContainer['restart']['name'] | undefined;
  if (name === undefined || (match?.[2] !== undefined && name !== 'on-failure'))
    throw invalid(
      `--restart "${text}" is not a restart policy`,
      'Use no, always, unless-stopped, or on-failure[:N] (N: how many times to retry).',
    );
  return { name, ...(match?.[2] === undefined ? {} : { maxRetries: Number(match[2]) }) };
}

/** --cpus 1.5: a share of CPUs, as the engine's NanoCpus. */
export function parseCpus(text: string): number {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  const nanoCpus = Math.round(value * 1e9);
  if (!(nanoCpus >= 1e7 && nanoCpus <= 1024e9))
    throw invalid(`--cpus "${text}" is not a number of CPUs from 0.01 to 1024`, 'E.g. --cpus 1.5.');
  return nanoCpus;
}

const MIN_MEMORY = 6 * 1024 * 1024;

/** --memory 512Mi: a memory limit, at least what the engines accept (6 MiB). */
export function parseMemory(text: string): number {
  const size = parseSize(text);
  if (!size.ok)
    throw invalid(`--memory: ${size.message}`, `${size.hint.charAt(0).toUpperCase()}${size.hint.slice(1)}.`);
  if (size.bytes < MIN_MEMORY)
    throw invalid(`--memory ${text} is less than the engines accept (6Mi)`, 'Write a size such as "512Mi".');
  return size.bytes;
}

export interface CreateOptions {
  name?: string;
  env?: string[];
  publish?: string[];
  volume?: string[];
  network?: string;
  restart?: string;
  cpus?: string;
  memory?: string;
  label?: string[];
  readOnly?: boolean;
  /** false with --no-new-privileges (commander's negation). */
  newPrivileges?: boolean;
}

/** The container `nova container create` asks for, checked against the contract. */
export function newContainerOf(
  image: string,
  command: readonly string[],
  options: CreateOptions,
): NewContainer {
  checkImageRef(image);
  const name = options.name ?? generatedName(image);
  if (!ResourceName.safeParse(name).success)
    throw invalid(
      `"${name}" is not a valid container name`,
      'A name starts with a letter or digit, followed by up to 62 letters, digits, ".", "_" or "-".',
    );
  if (options.network !== undefined) checkObjectName(options.network, 'network');
  const labels = parseLabels(options.label ?? []);
  const spec = {
    name,
    image,
    ...(command.length === 0 ? {} : { command: [...command] }),
    env: parseEnv(options.env ?? []),
    ports: (options.publish ?? []).map(parsePublish),
    mounts: (options.volume ?? []).map(parseVolume),
    ...(options.network === undefined ? {} : { network: options.network }),
    restart: options.restart === undefined ? { name: 'no' as const } : parseRestart(options.restart),
    ...(options.cpus === undefined ? {} : { nanoCpus: parseCpus(options.cpus) }),
    ...(options.memory === undefined ? {} : { memoryBytes: parseMemory(options.memory) }),
    readOnly: options.readOnly === true,
    noNewPrivileges: options.newPrivileges === false,
    gpus: false,
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
  };
  const checked = NewContainer.safeParse(spec);
  if (!checked.success) throw invalid(`cannot create the container: ${describeZodError(checked.error)}`);
  return checked.data;
}

/** A name for a container created without --name: the image's last path part and a random suffix. */
export function generatedName(image: string, random: () => number = Math.random): string {
  const base = (image.split('@')[0] ?? image).split('/').pop()?.split(':')[0] ?? '';
  const clean = base
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40);
  const suffix = Math.floor(random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${clean === '' ? 'container' : clean}-${suffix}`;
}

export interface ExecOptions {
  env?: string[];
  workdir?: string;
  user?: string;
  timeout?: string;
}

const MAX_EXEC_SECONDS = 3600;

/** The one-off command of `nova container exec`, checked against the contract. */
export function execRequestOf(argv: readonly string[], options: ExecOptions): ExecRequest {
  if (argv.length === 0)
    throw invalid('no command to run', 'Give it after "--": nova container exec NAME -- CMD ARGS….');
  const env = parseEnv(options.env ?? []);
  if (options.workdir !== undefined && !AbsolutePath.safeParse(options.workdir).success)
    throw invalid(`--workdir "${options.workdir}" is not an absolute, normalized path`);
  if (options.user !== undefined && !ExecRequest.shape.user.safeParse(options.user).success)
    throw invalid(`--user "${options.user}" is not a user name or uid[:gid]`);
  let timeoutMs: number | undefined;
  if (options.timeout !== undefined) {
    const seconds = /^\d+(\.\d+)?$/.test(options.timeout.trim()) ? Number(options.timeout) : Number.NaN;
    if (!(seconds >= 0.1 && seconds <= MAX_EXEC_SECONDS))
      throw invalid(
        `--timeout "${options.timeout}" is not a number of seconds from 0.1 to ${MAX_EXEC_SECONDS}`,
      );
    timeoutMs = Math.round(seconds * 1000);
  }
  const request = {
    argv: [...argv],
    ...(options.env === undefined
      ? {}
      : { env: Object.entries(env).map(([key, value]) => `${key}=${value}`) }),
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  const checked = ExecRequest.safeParse(request);
  if (!checked.success) throw invalid(`cannot run the command: ${describeZodError(checked.error)}`);
  return checked.data;
}

/** --tail N or all. */
export function parseTail(text: string): number | undefined {
  if (text === 'all') return undefined;
  const value = /^\d{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 100_000))
    throw invalid(`--tail "${text}" is not a number of lines from 0 to 100000, or all`);
  return value;
}

const UNITS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/**
 * --since: seconds since the epoch, an RFC 3339 date or time (2025-03-01, 2025-03-01T10:00:00Z), or a
 * duration back from now (10m, 1h30m, 45s), as docker logs takes it. Whole seconds since the epoch.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.floor(Number(trimmed));
  if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) {
    let seconds = 0;
    for (const [, amount = '0', unit = 's'] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
      seconds += Number(amount) * (UNITS[unit] ?? 1);
    return Math.max(0, Math.floor(now / 1000 - seconds));
  }
  const at = /^\d{4}-\d\d-\d\d/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isFinite(at) && at >= 0) return Math.floor(at / 1000);
  throw invalid(
    `--since "${text}" is not a time`,
    'Give a duration back from now (10m, 1h30m), a date or time (2025-03-01T10:00:00Z), or seconds since 1970.',
  );
}
