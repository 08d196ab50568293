// `nova container …`: the containers of Bolt, Docker and Podman through Nova's engine adapter, their
// engine networks and volumes; and the original Nova's `run/stop/status container NAME`.
import {
  type ContainerDetails,
  ContainerRef,
  type ContainerStats,
  type ContainerSummary,
  type EngineName,
  type EngineNetworkSummary,
  type EngineVolumeSummary,
  Ipv4Address,
  type LogEntry,
  NewEngineNetwork,
  NewEngineVolume,
  NovaError,
  type SourceStatus,
  toErrorData,
} from '@nova/core';
import type { ContainerEngine } from '@nova/core/node';
import type { Command } from 'commander';

import { table } from '../format.js';
import {
  checkObjectName,
  collect,
  containerTargetOf,
  type CreateOptions,
  type ExecOptions,
  execRequestOf,
  newContainerOf,
  objectTargetOf,
  parseLabels,
  parseSince,
  parseTail,
} from './container-args.js';
import {
  addEngineOption,
  chosenEngine,
  type EngineOption,
  interruption,
  LISTED_ENGINE,
  listFromEngines,
  locateContainer,
  locateIn,
  LOOKUP_ENGINE,
  reportSources,
  shortId,
  withForeignHint,
} from './engine-choice.js';
import {
  addJsonOption,
  addTargetOptions,
  checkSeconds,
  type CommandContext,
  commandGroup,
  done,
  humanBytes,
  type JsonOption,
  reporting,
  show,
  type TargetOptions,
  yesNo,
} from './shared.js';

/** How long stop and restart wait for the main process before killing it, as docker does. */
const DEFAULT_STOP_SECONDS = 10;
const MAX_STOP_SECONDS = 3600;

type ChangeOptions = TargetOptions & EngineOption & { time?: string };

/** A container as `container list` shows it: the engine's summary and which engine runs it. */
export type ListedContainer = ContainerSummary & { engine: EngineName; via: 'direct' | 'helper' };

const engineLabel = (engine: EngineName, via: 'direct' | 'helper'): string =>
  via === 'helper' ? `${engine} (via helper)` : engine;

/** Like `docker ps`: without --all only what is up (running, paused, starting, stopping). */
export function isUp(container: ContainerSummary): boolean {
  return container.state !== 'stopped' && container.state !== 'crashed';
}

export function formatContainerList(containers: readonly ListedContainer[], all: boolean): string {
  if (containers.length === 0)
    return all ? 'No containers.' : 'No running containers (nova container list --all shows every one).';
  return table([
    ['NAME', 'ENGINE', 'STATE', 'IMAGE', 'ORIGIN', 'ID'],
    ...[...containers]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((c) => [c.name, engineLabel(c.engine, c.via), c.state, c.image, c.origin, shortId(c.containerId)]),
  ]);
}

/** An argument as a shell would need it written, for showing a command line. */
function quoted(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

export function formatContainerDetails(details: ContainerDetails): string {
  const many = (label: string, values: string[], none: string): string[][] =>
    values.length === 0 ? [[label, none]] : values.map((value, index) => [index === 0 ? label : '', value]);
  const owner =
    details.origin === 'nova'
      ? `Nova${details.project === undefined ? '' : `, project ${details.project}`}`
      : 'not Nova (changes need --foreign)';
  const how = [
    ...(details.status === details.state ? [] : [details.status]),
    ...(details.exitCode === undefined ? [] : [`exit code ${details.exitCode}`]),
  ];
  const restart =
    details.restartPolicy.name === 'on-failure' && details.restartPolicy.maxRetries > 0
      ? `on-failure, at most ${details.restartPolicy.maxRetries} times`
      : details.restartPolicy.name;
  const ports = details.ports.map((port) =>
    port.hostPort === undefined
      ? `${port.containerPort}/${port.protocol} (not published)`
      : `${port.hostIp ?? '0.0.0.0'}:${port.hostPort} -> ${port.containerPort}/${port.protocol}`,
  );
  const mounts = details.mounts.map(
    (mount) => `${mount.source} -> ${mount.target} (${mount.type}${mount.readOnly ? ', read-only' : ''})`,
  );
  const networks = details.networks.map((network) =>
    [network.name, network.ipAddress, network.macAddress].filter((part) => part !== undefined).join('  '),
  );
  const labels = Object.entries(details.labels)
    .filter(([key]) => !key.startsWith('dev.nova.'))
    .map(([key, value]) => `${key}=${value}`);
  return table([
    ['Name', details.name],
    ['ID', details.id],
    ['Engine', details.engine],
    ['Image', `${details.image}${details.imageId === '' ? '' : ` (${shortId(details.imageId)})`}`],
    ['State', how.length === 0 ? details.state : `${details.state} (${how.join(', ')})`],
    ...(details.error === undefined ? [] : [['Error', details.error]]),
    ['Owner', owner],
    ['Created', details.createdAt],
    ...(details.startedAt === undefined ? [] : [['Started', details.startedAt]]),
    ...(details.finishedAt === undefined ? [] : [['Finished', details.finishedAt]]),
    ['Restart', `${restart} (restarted ${details.restartCount} times)`],
    ['CPUs', details.nanoCpus === undefined ? 'no limit' : String(details.nanoCpus / 1e9)],
    ['Memory', details.memoryBytes === undefined ? 'no limit' : humanBytes(details.memoryBytes)],
    ...(details.pid === undefined ? [] : [['PID', String(details.pid)]]),
    ['Command', details.command.map(quoted).join(' ')],
    ...many('Environment', details.env, 'none'),
    ...many('Ports', ports, 'none'),
    ...many('Mounts', mounts, 'none'),
    ...many('Networks', networks, 'none'),
    ...many('Labels', labels, 'none'),
  ]);
}

export function formatContainerStats(stats: readonly ContainerStats[]): string {
  const header = ['NAME', 'ENGINE', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];
  if (stats.length === 0) return `${table([header])}\n(no running containers)`;
  return table([
    header,
    ...[...stats]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((s) => [
        s.name,
        s.engine,
        `${s.cpuPercent.toFixed(2)}%`,
        `${humanBytes(s.memoryBytes)} / ${s.memoryLimitBytes === undefined ? '-' : humanBytes(s.memoryLimitBytes)}`,
        s.memoryLimitBytes === undefined || s.memoryLimitBytes === 0
          ? '-'
          : `${((s.memoryBytes / s.memoryLimitBytes) * 100).toFixed(2)}%`,
        `${humanBytes(s.netRxBytes)} / ${humanBytes(s.netTxBytes)}`,
        `${humanBytes(s.blockReadBytes)} / ${humanBytes(s.blockWriteBytes)}`,
        String(s.pids),
      ]),
  ]);
}

export function formatNetworkList(networks: readonly EngineNetworkSummary[]): string {
  if (networks.length === 0) return 'No engine networks.';
  return table([
    ['NAME', 'ENGINE', 'DRIVER', 'SUBNET', 'INTERNAL', 'ORIGIN', 'CONTAINERS'],
    ...[...networks]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((n) => [
        n.name,
        n.engine,
        n.driver,
        n.subnets.length === 0 ? '-' : n.subnets.map((s) => s.subnet).join(', '),
        yesNo(n.internal),
        n.origin,
        String(n.containers.length),
      ]),
  ]);
}

export function formatVolumeList(volumes: readonly EngineVolumeSummary[]): string {
  if (volumes.length === 0) return 'No volumes.';
  return table([
    ['NAME', 'ENGINE', 'DRIVER', 'ORIGIN', 'MOUNTPOINT'],
    ...[...volumes]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((v) => [v.name, v.engine, v.driver, v.origin, v.mountpoint]),
  ]);
}

/** The name to hand the engine for a located container: its name, or its id if the name is unusual. */
const refOf = (container: ContainerSummary): string =>
  ContainerRef.safeParse(container.name).success ? container.name : container.containerId;

// Each verb is defined once and registered under `container` and, for some, as the original Nova's alias.

type Change = (engine: ContainerEngine, target: ReturnType<typeof containerTargetOf>) => Promise<void>;

/** A lifecycle change; prints the state the container is in afterwards. */
function defineChange(
  command: Command,
  ctx: CommandContext,
  change: (options: { time?: string }) => Change,
): Command {
  addJsonOption(
    addEngineOption(
      addTargetOptions(command.argument('<name>', 'the container (name or id)'), 'container'),
      LOOKUP_ENGINE,
    ),
  ).action((ref: string, options: ChangeOptions) =>
    reporting(ctx, options, async () => {
      const target = containerTargetOf(ref, options);
      const act = change(options);
      const { engine, container } = await locateContainer(ctx, ref, options);
      const located = { ...target, container: refOf(container) };
      await withForeignHint(target, engine, () => act(engine, located));
      const after = await engine.inspectContainer(container.containerId);
      done(
        ctx,
        options,
        { engine: engine.engine, container: after.name, id: after.id, state: after.state },
        `Container "${after.name}" on ${engine.engine} is ${after.state}.`,
      );
    }),
  );
  return command;
}

function waitOption(command: Command, verb: string): Command {
  return command.option(
    '-t, --time <seconds>',
    `how long to wait for the container to ${verb} before killing it (default: ${DEFAULT_STOP_SECONDS})`,
  );
}

const seconds = (options: { time?: string }): number =>
  options.time === undefined ? DEFAULT_STOP_SECONDS : checkSeconds(options.time, '--time', MAX_STOP_SECONDS);

function defineStart(command: Command, ctx: CommandContext): void {
  defineChange(command, ctx, () => (engine, target) => engine.startContainer(target));
}

function defineStop(command: Command, ctx: CommandContext): void {
  defineChange(waitOption(command, 'stop'), ctx, (options: { time?: string }) => {
    const timeoutSeconds = seconds(options);
    return (engine, target) => engine.stopContainer(target, { timeoutSeconds });
  });
}

function defineInspect(command: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(command.argument('<name>', 'the container (name or id)'), LOOKUP_ENGINE),
  ).action((ref: string, options: JsonOption & EngineOption) =>
    reporting(ctx, options, async () => {
      containerTargetOf(ref, {});
      const { engine, container } = await locateContainer(ctx, ref, options);
      show(ctx, options, await engine.inspectContainer(container.containerId), formatContainerDetails);
    }),
  );
}

interface ListOptions extends JsonOption, EngineOption {
  all?: boolean;
}

function registerList(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      container
        .command('list')
        .description('list the running containers of every engine (--all: also the stopped ones)')
        .option('-a, --all', 'also the containers that are not running'),
      LISTED_ENGINE,
    ),
  ).action((options: ListOptions) =>
    reporting(ctx, options, async () => {
      const listing = await listFromEngines(ctx, options, async (engine) =>
        (await engine.listContainers()).map((summary): ListedContainer => ({
          ...summary,
          engine: engine.engine,
          via: engine.via,
        })),
      );
      const containers = options.all === true ? listing.items : listing.items.filter(isUp);
      show(ctx, options, { containers, sources: listing.sources }, (value) =>
        formatContainerList(value.containers, options.all === true),
      );
      reportSources(ctx, listing.sources);
    }),
  );
}

function registerCreate(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      container
        .command('create')
        .description('create a container (pulling its image if it is missing); --start also starts it')
        .argument('<image>', 'the image, e.g. docker.io/library/alpine:3.20')
        .argument('[command...]', 'the command to run instead of the image’s (after "--")')
        .option('--name <name>', 'the container’s name (default: the image’s name and a random suffix)')
        .option('-e, --env <KEY=VALUE>', 'an environment variable (repeatable)', collect)
        .option(
          '-p, --publish <[ip:]host:container[/proto]>',
          'publish a container port on a host port (repeatable)',
          collect,
        )
        .option(
          '-v, --volume <source:target[:ro]>',
          'mount an absolute host path (bind) or a named volume (repeatable)',
          collect,
        )
        .option('--network <network>', 'the engine network to join (bridge, host, none, or one of yours)')
        .option('--restart <policy>', 'no, always, unless-stopped or on-failure[:N] (default: no)')
        .option('--cpus <n>', 'at most this many CPUs, e.g. 1.5')
        .option('-m, --memory <size>', 'at most this much memory, e.g. 512Mi or 1G')
        .option('-l, --label <key=value>', 'a label of your own (repeatable)', collect)
        .option('--read-only', 'mount the container’s root file system read-only')
        .option('--no-new-privileges', 'its processes cannot gain privileges (setuid, file capabilities)')
        .option('--start', 'start it once it is created'),
    ),
  ).action(
    (
      image: string,
      command: string[],
      options: CreateOptions & JsonOption & EngineOption & { start?: boolean },
    ) =>
      reporting(ctx, options, async () => {
        const spec = newContainerOf(image, command, options);
        const engine = await chosenEngine(ctx, options);
        const id = await engine.createContainer(spec);
        if (options.start === true) await startCreated(engine, spec.name);
        const state = options.start === true ? (await engine.inspectContainer(id)).state : 'stopped';
        done(
          ctx,
          options,
          { engine: engine.engine, container: spec.name, id, state },
          `Created container "${spec.name}" on ${engine.engine} (${shortId(id)})${
            options.start === true ? `; it is ${state}` : ''
          }.`,
        );
      }),
  );
}

/** Starts what create just made; when that fails, says that the container exists nonetheless. */
async function startCreated(engine: ContainerEngine, name: string): Promise<void> {
  try {
    await engine.startContainer({ container: name });
  } catch (err) {
    const error = toErrorData(err);
    throw new NovaError(
      error.code,
      `created container "${name}" on ${engine.engine}, but it did not start: ${error.message}`,
      `${error.detail === undefined ? '' : `${error.detail} `}Try again with nova container start ${name} --engine ${engine.engine}, or remove it with nova container rm ${name} --engine ${engine.engine}.`,
    );
  }
}

interface LogsOptions extends JsonOption, EngineOption {
  follow?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
}

function registerLogs(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      container
        .command('logs')
        .description('what a container wrote: stdout here on stdout, its stderr on stderr')
        .argument('<name>', 'the container (name or id)')
        .option('-f, --follow', 'go on printing new lines until the container stops (or Ctrl-C)')
        .option('-n, --tail <lines>', 'only the last lines (a number, or all)')
        .option('--since <time>', 'only lines after this: 10m, 1h30m, 2025-03-01T10:00:00Z, or epoch seconds')
        .option('-t, --timestamps', 'print the time the engine stamped on each line'),
      LOOKUP_ENGINE,
    ),
  ).action((ref: string, options: LogsOptions) =>
    reporting(ctx, options, async () => {
      containerTargetOf(ref, {});
      const tail = options.tail === undefined ? undefined : parseTail(options.tail);
      const since = options.since === undefined ? undefined : parseSince(options.since);
      const logOptions = {
        ...(tail === undefined ? {} : { tail }),
        ...(since === undefined ? {} : { since }),
        timestamps: options.timestamps === true,
      };
      const { engine, container } = await locateContainer(ctx, ref, options);
      const print = (entry: LogEntry) => {
        if (options.json === true) {
          ctx.io.out(JSON.stringify(entry));
          return;
        }
        const line = entry.time === undefined ? entry.text : `${entry.time} ${entry.text}`;
        if (entry.stream === 'stderr') ctx.io.err(line);
        else ctx.io.out(line);
      };
      if (options.follow !== true) {
        const entries = await engine.containerLogs(refOf(container), logOptions);
        if (options.json === true)
          ctx.io.out(JSON.stringify({ engine: engine.engine, container: container.name, entries }, null, 2));
        else for (const entry of entries) print(entry);
        return;
      }
      // Following: one JSON document per line with --json, as the lines come.
      const interrupt = interruption();
      try {
        await engine.followLogs(refOf(container), logOptions, print, interrupt.signal);
      } finally {
        interrupt.dispose();
      }
    }),
  );
}

interface StatsOptions extends JsonOption, EngineOption {
  /** false with --no-stream (commander's negation). */
  stream?: boolean;
}

/** The named containers of one engine: how to ask for them, and the ids their samples carry. */
interface NamedContainers {
  refs: string[];
  ids: string[];
}

/** Every named container's engine; or, without names, every engine that answers. */
async function statsTargets(
  ctx: CommandContext,
  names: readonly string[],
  options: EngineOption,
): Promise<{
  engines: ContainerEngine[];
  named?: Map<ContainerEngine, NamedContainers>;
  problems: SourceStatus[];
}> {
  if (names.length === 0) {
    const manager = ctx.services().containers;
    if (options.engine !== undefined)
      return { engines: [await manager.engine(options.engine)], problems: [] };
    const { engines, problems } = await manager.engines();
    if (engines.length === 0) await manager.engine();
    return { engines, problems };
  }
  for (const name of names) containerTargetOf(name, {});
  const named = new Map<ContainerEngine, NamedContainers>();
  for (const name of names) {
    const { engine, container } = await locateContainer(ctx, name, options);
    const entry = named.get(engine) ?? { refs: [], ids: [] };
    entry.refs.push(refOf(container));
    entry.ids.push(container.containerId);
    named.set(engine, entry);
  }
  return { engines: [...named.keys()], named, problems: [] };
}

function registerStats(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      container
        .command('stats')
        .description('live CPU, memory, network and disk use of running containers, refreshed until Ctrl-C')
        .argument('[names...]', 'the containers (default: every running one)')
        .option('--no-stream', 'print one sample and end')
        .addHelpText('after', '\nWith --json: one sample of each container, as one JSON document.'),
      LISTED_ENGINE,
    ),
  ).action((names: string[], options: StatsOptions) =>
    reporting(ctx, options, async () => {
      const { engines, named, problems } = await statsTargets(ctx, names, options);
      if (options.stream === false || options.json === true) {
        const sources: SourceStatus[] = [...problems];
        const samples = await Promise.all(
          engines.map(async (engine) => {
            try {
              return await engine.containerStats(named?.get(engine)?.refs);
            } catch (err) {
              if (named !== undefined || options.engine !== undefined) throw err;
              sources.push({
                id: engine.engine,
                status: 'unavailable',
                endpoint: engine.endpoint,
                via: engine.via,
                error: toErrorData(err),
              });
              return [];
            }
          }),
        );
        show(ctx, options, { stats: samples.flat() }, ({ stats }) => formatContainerStats(stats));
        reportSources(ctx, sources);
        return;
      }
      await streamStats(ctx, engines, named);
    }),
  );
}

const STATS_REFRESH_MS = 1000;
/** A container that sent nothing for this long has stopped: it leaves the table. */
const STATS_STALE_MS = 5000;

async function streamStats(
  ctx: CommandContext,
  engines: readonly ContainerEngine[],
  named: Map<ContainerEngine, NamedContainers> | undefined,
): Promise<void> {
  const latest = new Map<string, { sample: ContainerStats; receivedAt: number }>();
  const tty = process.stdout.isTTY;
  const render = () => {
    const now = Date.now();
    for (const [key, entry] of latest) if (now - entry.receivedAt > STATS_STALE_MS) latest.delete(key);
    const text = formatContainerStats([...latest.values()].map((entry) => entry.sample));
    // On a terminal the table is redrawn in place, as docker stats does; piped, each one follows the last.
    ctx.io.out(tty ? `\x1b[H\x1b[2J${text}` : `${text}\n`);
  };
  const interrupt = interruption();
  const timer = setInterval(render, STATS_REFRESH_MS);
  try {
    await Promise.all(
      engines.map((engine) => {
        const wanted = named?.get(engine)?.ids;
        return engine.streamStats((sample) => {
          if (wanted !== undefined && !wanted.includes(sample.id)) return;
          latest.set(`${sample.engine}/${sample.id}`, { sample, receivedAt: Date.now() });
        }, interrupt.signal);
      }),
    );
  } finally {
    clearInterval(timer);
    interrupt.dispose();
  }
}

function registerExec(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      addTargetOptions(
        container
          .command('exec')
          .description('run a command in a running container; nova exits with the command’s exit code')
          .argument('<name>', 'the container (name or id)')
          .argument('<command...>', 'the command and its arguments, after "--"')
          .option('-e, --env <KEY=VALUE>', 'an environment variable for the command (repeatable)', collect)
          .option('-w, --workdir <dir>', 'the folder to run it in (an absolute path in the container)')
          .option('-u, --user <user>', 'the user to run it as: a name, uid or uid:gid')
          .option('--timeout <seconds>', 'give up waiting after this long (default: 60)')
          .addHelpText('after', '\nExample: nova container exec web -- sh -c "ls -l /srv"'),
        'container',
      ),
      LOOKUP_ENGINE,
    ),
  ).action((ref: string, argv: string[], options: ChangeOptions & ExecOptions) =>
    reporting(ctx, options, async () => {
      const target = containerTargetOf(ref, options);
      const request = execRequestOf(argv, options);
      const { engine, container } = await locateContainer(ctx, ref, options);
      const result = await withForeignHint(target, engine, () =>
        engine.exec({ ...target, container: refOf(container) }, request),
      );
      if (options.json === true) {
        ctx.io.out(
          JSON.stringify({ ok: true, engine: engine.engine, container: container.name, ...result }, null, 2),
        );
      } else {
        if (result.stdout !== '') ctx.io.out(result.stdout.replace(/\n$/, ''));
        if (result.stderr !== '') ctx.io.err(result.stderr.replace(/\n$/, ''));
      }
      if (result.truncated)
        ctx.io.err('nova: warning: the command wrote more than 1 MiB; the rest was dropped');
      if (result.exitCode < 0) {
        ctx.io.err(`nova: ${engine.engine} did not say how the command ended`);
        ctx.setExitCode(1);
      } else ctx.setExitCode(result.exitCode);
    }),
  );
}

function registerRemove(container: Command, ctx: CommandContext): void {
  addJsonOption(
    addEngineOption(
      addTargetOptions(
        container
          .command('rm')
          .description('remove a container (a running one only with --force)')
          .argument('<name>', 'the container (name or id)')
          .option('-f, --force', 'kill it first if it runs')
          .option('-v, --volumes', 'also remove its anonymous volumes'),
        'container',
      ),
      LOOKUP_ENGINE,
    ),
  ).action((ref: string, options: ChangeOptions & { force?: boolean; volumes?: boolean }) =>
    reporting(ctx, options, async () => {
      const target = containerTargetOf(ref, options);
      const { engine, container } = await locateContainer(ctx, ref, options);
      await withForeignHint(target, engine, () =>
        engine.removeContainer(
          { ...target, container: refOf(container) },
          { force: options.force === true, volumes: options.volumes === true },
        ),
      );
      done(
        ctx,
        options,
        { engine: engine.engine, container: container.name, id: container.containerId },
        `Removed container "${container.name}" from ${engine.engine}.`,
      );
    }),
  );
}

function registerNetworks(container: Command, ctx: CommandContext): void {
  const network = container
    .command('network')
    .description('the engines’ own networks, which containers join (not libvirt’s: see nova network)');

  addJsonOption(
    addEngineOption(network.command('list').description('list the networks of every engine'), LISTED_ENGINE),
  ).action((options: JsonOption & EngineOption) =>
    reporting(ctx, options, async () => {
      const listing = await listFromEngines(ctx, options, (engine) => engine.listNetworks());
      show(ctx, options, { networks: listing.items, sources: listing.sources }, (value) =>
        formatNetworkList(value.networks),
      );
      reportSources(ctx, listing.sources);
    }),
  );

  addJsonOption(
    addEngineOption(
      network
        .command('create')
        .description('create a bridge network for containers')
        .argument('<name>', 'the network’s name')
        .option('--subnet <cidr>', 'its IPv4 subnet, e.g. 10.90.0.0/24 (default: the engine picks one)')
        .option('--gateway <ip>', 'its gateway in that subnet (default: the engine picks it)')
        .option('--internal', 'no way out: containers on it reach only each other')
        .option('-l, --label <key=value>', 'a label of your own (repeatable)', collect),
    ),
  ).action(
    (
      name: string,
      options: JsonOption &
        EngineOption & { subnet?: string; gateway?: string; internal?: boolean; label?: string[] },
    ) =>
      reporting(ctx, options, async () => {
        checkObjectName(name, 'network');
        if (options.gateway !== undefined && options.subnet === undefined)
          throw new NovaError(
            'invalid-input',
            '--gateway needs --subnet',
            'Give the subnet the gateway is in.',
          );
        if (options.subnet !== undefined && !NewEngineNetwork.shape.subnet.safeParse(options.subnet).success)
          throw new NovaError(
            'invalid-input',
            `--subnet "${options.subnet}" is not an IPv4 CIDR such as 10.90.0.0/24`,
          );
        if (options.gateway !== undefined && !Ipv4Address.safeParse(options.gateway).success)
          throw new NovaError('invalid-input', `--gateway "${options.gateway}" is not an IPv4 address`);
        const labels = parseLabels(options.label ?? []);
        const spec = NewEngineNetwork.parse({
          name,
          internal: options.internal === true,
          ...(options.subnet === undefined ? {} : { subnet: options.subnet }),
          ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
          ...(Object.keys(labels).length === 0 ? {} : { labels }),
        });
        const engine = await chosenEngine(ctx, options);
        await engine.createNetwork(spec);
        done(
          ctx,
          options,
          { engine: engine.engine, network: name },
          `Created network "${name}" on ${engine.engine}.`,
        );
      }),
  );

  addJsonOption(
    addEngineOption(
      addTargetOptions(
        network
          .command('rm')
          .description('remove a network (the engine’s own are never removed)')
          .argument('<name>', 'the network'),
        'network',
      ),
      LOOKUP_ENGINE,
    ),
  ).action((name: string, options: ChangeOptions) =>
    reporting(ctx, options, async () => {
      const target = objectTargetOf(name, options, 'network');
      const engine = await locateIn(ctx, options, 'network', name, async (candidate) =>
        (await candidate.listNetworks()).some((n) => n.name === name),
      );
      await withForeignHint(target, engine, () => engine.removeNetwork(target));
      done(
        ctx,
        options,
        { engine: engine.engine, network: name },
        `Removed network "${name}" from ${engine.engine}.`,
      );
    }),
  );
}

function registerVolumes(container: Command, ctx: CommandContext): void {
  const volume = container
    .command('volume')
    .description('the engines’ named volumes, which containers mount');

  addJsonOption(
    addEngineOption(volume.command('list').description('list the volumes of every engine'), LISTED_ENGINE),
  ).action((options: JsonOption & EngineOption) =>
    reporting(ctx, options, async () => {
      const listing = await listFromEngines(ctx, options, (engine) => engine.listVolumes());
      show(ctx, options, { volumes: listing.items, sources: listing.sources }, (value) =>
        formatVolumeList(value.volumes),
      );
      reportSources(ctx, listing.sources);
    }),
  );

  addJsonOption(
    addEngineOption(
      volume
        .command('create')
        .description('create a named volume')
        .argument('<name>', 'the volume’s name')
        .option('-l, --label <key=value>', 'a label of your own (repeatable)', collect),
    ),
  ).action((name: string, options: JsonOption & EngineOption & { label?: string[] }) =>
    reporting(ctx, options, async () => {
      checkObjectName(name, 'volume');
      const labels = parseLabels(options.label ?? []);
      const spec = NewEngineVolume.parse({ name, ...(Object.keys(labels).length === 0 ? {} : { labels }) });
      const engine = await chosenEngine(ctx, options);
      await engine.createVolume(spec);
      done(
        ctx,
        options,
        { engine: engine.engine, volume: name },
        `Created volume "${name}" on ${engine.engine}.`,
      );
    }),
  );

  addJsonOption(
    addEngineOption(
      addTargetOptions(
        volume
          .command('rm')
          .description('remove a volume and what it holds')
          .argument('<name>', 'the volume')
          .option('-f, --force', 'remove it even if the engine holds on to it'),
        'volume',
      ),
      LOOKUP_ENGINE,
    ),
  ).action((name: string, options: ChangeOptions & { force?: boolean }) =>
    reporting(ctx, options, async () => {
      const target = objectTargetOf(name, options, 'volume');
      const engine = await locateIn(ctx, options, 'volume', name, async (candidate) =>
        (await candidate.listVolumes()).some((v) => v.name === name),
      );
      await withForeignHint(target, engine, () =>
        engine.removeVolume(target, { force: options.force === true }),
      );
      done(
        ctx,
        options,
        { engine: engine.engine, volume: name },
        `Removed volume "${name}" from ${engine.engine}.`,
      );
    }),
  );
}

export function registerContainerCommands(program: Command, ctx: CommandContext): void {
  const container = program
    .command('container')
    .description(
      'containers of Bolt, Docker and Podman: lifecycle, logs, load, exec; engine networks, volumes',
    );

  registerList(container, ctx);
  defineInspect(container.command('inspect').description('one container in detail'), ctx);
  registerCreate(container, ctx);
  defineStart(container.command('start').description('start a container (or resume it, if paused)'), ctx);
  defineStop(
    container.command('stop').description('stop a container: SIGTERM, then SIGKILL after --time seconds'),
    ctx,
  );
  defineChange(
    waitOption(container.command('restart').description('stop a container and start it again'), 'stop'),
    ctx,
    (options: { time?: string }) => {
      const timeoutSeconds = seconds(options);
      return (engine, target) => engine.restartContainer(target, { timeoutSeconds });
    },
  );
  defineChange(
    container.command('pause').description('freeze a running container’s processes'),
    ctx,
    () => (engine, target) => engine.pauseContainer(target),
  );
  defineChange(
    container.command('resume').description('let a paused container run again'),
    ctx,
    () => (engine, target) => engine.resumeContainer(target),
  );
  registerRemove(container, ctx);
  registerLogs(container, ctx);
  registerStats(container, ctx);
  registerExec(container, ctx);
  registerNetworks(container, ctx);
  registerVolumes(container, ctx);

  // The original Nova's verbs, kept so that its users' scripts go on working.
  defineStart(
    commandGroup(program, 'run', 'start something (as in the original Nova)')
      .command('container')
      .description('start a container (= nova container start)'),
    ctx,
  );
  defineStop(
    commandGroup(program, 'stop', 'stop something (as in the original Nova)')
      .command('container')
      .description('stop a container (= nova container stop)'),
    ctx,
  );
  defineInspect(
    commandGroup(program, 'status', 'show something (as in the original Nova)')
      .command('container')
      .description('one container in detail (= nova container inspect)'),
    ctx,
  );
}
