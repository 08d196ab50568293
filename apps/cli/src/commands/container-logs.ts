// `nova container logs`: what a container wrote, once or followed until it stops or Ctrl-C.
import type { LogEntry } from '@nova/core';
import type { Command } from 'commander';

import { containerTargetOf, parseSince, parseTail } from './container-args.js';
import { refOf } from './container-target.js';
import {
  addEngineOption,
  type EngineOption,
  interruption,
  locateContainer,
  LOOKUP_ENGINE,
} from './engine-choice.js';
import { addJsonOption, type CommandContext, type JsonOption, reporting } from './shared.js';

interface LogsOptions extends JsonOption, EngineOption {
  follow?: boolean;
  tail?: string;
  since?: string;
  timestamps?: boolean;
}

export function registerLogs(container: Command, ctx: CommandContext): void {
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
