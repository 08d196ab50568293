// `nova container volume …`: the engines' named volumes, which containers mount.
import { NewEngineVolume } from '@nova/core';
import type { Command } from 'commander';

import { checkObjectName, collect, objectTargetOf, parseLabels } from './container-args.js';
import { formatVolumeList } from './container-format.js';
import type { ChangeOptions } from './container-target.js';
import {
  addEngineListCommand,
  addEngineOption,
  chosenEngine,
  type EngineOption,
  locateIn,
  LOOKUP_ENGINE,
  withForeignHint,
} from './engine-choice.js';
import {
  addJsonOption,
  addTargetOptions,
  type CommandContext,
  done,
  type JsonOption,
  reporting,
} from './shared.js';

export function registerVolumes(container: Command, ctx: CommandContext): void {
  const volume = container
    .command('volume')
    .description('the engines’ named volumes, which containers mount');

  addEngineListCommand(volume, ctx, {
    what: 'volumes',
    read: (engine) => engine.listVolumes(),
    format: formatVolumeList,
  });

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
