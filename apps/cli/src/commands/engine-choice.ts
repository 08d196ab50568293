// What the container, image, engine network and volume commands share: which engine a command uses
// (--engine, else NOVA_ENGINE, else Bolt, Docker, Podman), listings over every reachable engine,
// finding the engine that holds a named thing, progress on the terminal, and Ctrl-C.
import {
  ENGINE_NAMES,
  type EngineName,
  exitCodeFor,
  type ImageProgress,
  NovaError,
  type SourceStatus,
  toErrorData,
  worstSourceError,
} from '@nova/core';
import type { ContainerEngine, LocatedContainer } from '@nova/core/node';
import { type Command, Option } from 'commander';

import { formatError } from '../format.js';
import {
  addJsonOption,
  type CommandContext,
  humanBytes,
  type JsonOption,
  reporting,
  show,
} from './shared.js';

export interface EngineOption {
  engine?: EngineName;
}

/** --engine for a command about something that exists: which engine holds it, when more than one could. */
export function addEngineOption(
  command: Command,
  description = 'the engine to use (default: NOVA_ENGINE, else the first of bolt, docker, podman that answers)',
): Command {
  return command.addOption(new Option('--engine <engine>', description).choices(ENGINE_NAMES));
}

export const LOOKUP_ENGINE = 'look only in this engine (needed when more than one has that name)';
export const LISTED_ENGINE = 'only this engine (default: every engine that answers)';

/** The engine that creates, pulls or imports: --engine, else the user's standing choice, else the first. */
export function chosenEngine(ctx: CommandContext, options: EngineOption): Promise<ContainerEngine> {
  return ctx.services().containers.engine(options.engine);
}

/** The engine that runs the container `ref` (name or id): --engine, or the one that has it. */
export function locateContainer(
  ctx: CommandContext,
  ref: string,
  options: EngineOption,
): Promise<LocatedContainer> {
  return ctx.services().containers.locate(ref, options.engine);
}

export interface Listing<T> {
  items: T[];
  /** How each engine answered, in Nova's order (Bolt, Docker, Podman). */
  sources: SourceStatus[];
}

const engineOrder = (id: string): number => (ENGINE_NAMES as readonly string[]).indexOf(id);

/**
 * Reads something from the engine named with --engine (whose failure is the command's), or from every
 * reachable engine: one that fails is reported on stderr and sets the exit code, the others still list.
 */
export async function listFromEngines<T>(
  ctx: CommandContext,
  options: EngineOption,
  read: (engine: ContainerEngine) => Promise<T[]>,
): Promise<Listing<T>> {
  const manager = ctx.services().containers;
  let engines: ContainerEngine[];
  let problems: SourceStatus[] = [];
  if (options.engine !== undefined) engines = [await manager.engine(options.engine)];
  else {
    ({ engines, problems } = await manager.engines());
    // None answers: fail with the reason of each, rather than print an empty table.
    if (engines.length === 0) await manager.engine();
  }
  const answers = await Promise.all(
    engines.map(async (engine) => {
      const source = { id: engine.engine, endpoint: engine.endpoint, via: engine.via };
      try {
        const items = await read(engine);
        return { items, source: { ...source, status: 'ok' as const, count: items.length } };
      } catch (err) {
        if (options.engine !== undefined) throw err;
        return { items: [], source: { ...source, status: 'unavailable' as const, error: toErrorData(err) } };
      }
    }),
  );
  const sources = [...answers.map((answer) => answer.source), ...problems].sort(
    (a, b) => engineOrder(a.id) - engineOrder(b.id),
  );
  return { items: answers.flatMap((answer) => answer.items), sources };
}

/**
 * `PARENT list [--engine E] [--json]`: the `what` of every reachable engine (or of one), as a table or
 * as `{ [what]: [...], sources }`, warning about each engine that did not answer.
 */
export function addEngineListCommand<T>(
  parent: Command,
  ctx: CommandContext,
  listing: {
    what: string;
    read: (engine: ContainerEngine) => Promise<T[]>;
    format: (items: T[]) => string;
  },
): void {
  addJsonOption(
    addEngineOption(
      parent.command('list').description(`list the ${listing.what} of every engine`),
      LISTED_ENGINE,
    ),
  ).action((options: JsonOption & EngineOption) =>
    reporting(ctx, options, async () => {
      const { items, sources } = await listFromEngines(ctx, options, listing.read);
      show(ctx, options, { [listing.what]: items, sources }, () => listing.format(items));
      reportSources(ctx, sources);
    }),
  );
}

/** Warns about each engine that should have answered and did not, and exits with the worst code. */
export function reportSources(ctx: CommandContext, sources: readonly SourceStatus[]): void {
  for (const source of sources) {
    if (source.error !== undefined) ctx.io.err(formatError(source.error, `nova: ${source.id}`));
  }
  const worst = worstSourceError({ instances: [], sources: [...sources] });
  if (worst !== undefined) ctx.setExitCode(exitCodeFor(worst.code));
}

/**
 * The engine that holds the image, network or volume `ref`: the one named with --engine (which then
 * says itself when it has none), or the only reachable engine that has it.
 */
export async function locateIn(
  ctx: CommandContext,
  options: EngineOption,
  what: string,
  ref: string,
  has: (engine: ContainerEngine) => Promise<boolean>,
): Promise<ContainerEngine> {
  const manager = ctx.services().containers;
  if (options.engine !== undefined) return manager.engine(options.engine);
  const { engines } = await manager.engines();
  if (engines.length === 0) return manager.engine();
  const failures: string[] = [];
  const found = await Promise.all(
    engines.map(async (engine) => {
      try {
        return (await has(engine)) ? engine : undefined;
      } catch (err) {
        failures.push(toErrorData(err).message);
        return undefined;
      }
    }),
  );
  const holders = found.filter((engine): engine is ContainerEngine => engine !== undefined);
  const [only] = holders;
  if (holders.length === 1 && only !== undefined) return only;
  if (holders.length > 1) {
    const names = holders.map((engine) => engine.engine);
    throw new NovaError(
      'conflict',
      `${what} "${ref}" is in more than one engine: ${names.join(', ')}`,
      `Say which one: --engine ${names[0] ?? 'docker'}.`,
    );
  }
  throw new NovaError(
    'not-found',
    `no ${what} "${ref}" in ${engines.map((engine) => engine.engine).join(' or ')}`,
    failures.length > 0 ? `Not searched: ${failures.join('; ')}.` : undefined,
  );
}

/**
 * A change to something Nova did not create is refused by the engine adapter; the hint here is the
 * exact way to insist.
 */
export async function withForeignHint<T>(
  target: { foreign?: boolean | undefined; project?: string | undefined },
  engine: ContainerEngine,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (
      err instanceof NovaError &&
      err.code === 'conflict' &&
      target.foreign !== true &&
      target.project === undefined &&
      err.message.includes('not created by Nova')
    ) {
      throw new NovaError(
        'conflict',
        err.message,
        `Run the command again with --foreign to change it anyway, or use ${engine.engine}’s own tools.`,
      );
    }
    throw err;
  }
}

/** A short id as the engines print it: 12 hex digits, without "sha256:". */
export const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/** Aborts when the user presses Ctrl-C (or the process is asked to end); a second Ctrl-C ends it at once. */
export function interruption(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => {
    controller.abort();
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}

/**
 * Shows a pull or an import on one line of stderr while it runs, when stderr is a terminal; without a
 * terminal there is only the final line.
 */
export function progressLine(
  label: string,
  stream: { isTTY?: boolean; columns?: number; write(text: string): boolean } = process.stderr,
): { step: (progress: ImageProgress) => void; end: () => void } {
  if (stream.isTTY !== true) return { step: () => undefined, end: () => undefined };
  const layers = new Map<string, { status: string; current?: number; total?: number }>();
  let latest = '';
  let shownAt = 0;
  let shown = false;
  const render = () => {
    const all = [...layers.values()];
    const done = all.filter((layer) => /complete|already exists/i.test(layer.status)).length;
    const loading = all.filter((layer) => layer.total !== undefined && /download/i.test(layer.status));
    const current = loading.reduce((sum, layer) => sum + (layer.current ?? 0), 0);
    const total = loading.reduce((sum, layer) => sum + (layer.total ?? 0), 0);
    const parts = [
      ...(all.length === 0 ? [] : [`${done}/${all.length} layers`]),
      ...(total > 0 ? [`${humanBytes(current)} of ${humanBytes(total)}`] : []),
      latest,
    ];
    const line = `${label}: ${parts.join(', ')}`;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r\x1b[K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    shown = true;
  };
  return {
    step: (progress) => {
      const layer = progress.id !== undefined && /^[0-9a-f]{12,64}$/.test(progress.id);
      if (layer && progress.id !== undefined) {
        layers.set(progress.id, {
          status: progress.status,
          ...(progress.current === undefined ? {} : { current: progress.current }),
          ...(progress.total === undefined ? {} : { total: progress.total }),
        });
      } else latest = progress.status;
      const now = Date.now();
      if (now - shownAt >= 100) {
        shownAt = now;
        render();
      }
    },
    end: () => {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
