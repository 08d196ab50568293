// `nova container stats`: the containers' CPU, memory, network and disk use, as one sample or a table
// redrawn every second until Ctrl-C.
import { type ContainerStats, type SourceStatus, toErrorData } from '@nova/core';
import type { ContainerEngine } from '@nova/core/node';
import type { Command } from 'commander';

import { containerTargetOf } from './container-args.js';
import { formatContainerStats } from './container-format.js';
import { refOf } from './container-target.js';
import {
  addEngineOption,
  type EngineOption,
  interruption,
  LISTED_ENGINE,
  locateContainer,
  reportSources,
} from './engine-choice.js';
import { addJsonOption, type CommandContext, type JsonOption, reporting, show } from './shared.js';

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

export function registerStats(container: Command, ctx: CommandContext): void {
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
