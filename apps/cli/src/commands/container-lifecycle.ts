// The container lifecycle commands: list, inspect, create, start, stop, restart, pause, resume and rm.
// Each verb is defined once, so that the original Nova's aliases (`run container` …) share its definition.
import { NovaError, toErrorData } from '@nova/core';
import type { ContainerEngine } from '@nova/core/node';
import type { Command } from 'commander';

import { collect, containerTargetOf, type CreateOptions, newContainerOf } from './container-args.js';
import {
  formatContainerDetails,
  formatContainerList,
  isUp,
  type ListedContainer,
} from './container-format.js';
import { type ChangeOptions, refOf } from './container-target.js';
import {
  addEngineOption,
  chosenEngine,
  type EngineOption,
  LISTED_ENGINE,
  listFromEngines,
  locateContainer,
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
  done,
  type JsonOption,
  reporting,
  show,
} from './shared.js';

/** How long stop and restart wait for the main process before killing it, as docker does. */
const DEFAULT_STOP_SECONDS = 10;
const MAX_STOP_SECONDS = 3600;

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

export function defineStart(command: Command, ctx: CommandContext): void {
  defineChange(command, ctx, () => (engine, target) => engine.startContainer(target));
}

export function defineStop(command: Command, ctx: CommandContext): void {
  defineChange(waitOption(command, 'stop'), ctx, (options: { time?: string }) => {
    const timeoutSeconds = seconds(options);
    return (engine, target) => engine.stopContainer(target, { timeoutSeconds });
  });
}

export function defineRestart(command: Command, ctx: CommandContext): void {
  defineChange(waitOption(command, 'stop'), ctx, (options: { time?: string }) => {
    const timeoutSeconds = seconds(options);
    return (engine, target) => engine.restartContainer(target, { timeoutSeconds });
  });
}

export function definePause(command: Command, ctx: CommandContext): void {
  defineChange(command, ctx, () => (engine, target) => engine.pauseContainer(target));
}

export function defineResume(command: Command, ctx: CommandContext): void {
  defineChange(command, ctx, () => (engine, target) => engine.resumeContainer(target));
}

export function defineInspect(command: Command, ctx: CommandContext): void {
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

export function registerList(container: Command, ctx: CommandContext): void {
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

export function registerCreate(container: Command, ctx: CommandContext): void {
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

export function registerRemove(container: Command, ctx: CommandContext): void {
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
