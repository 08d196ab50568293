// `nova container …`: the containers of Bolt, Docker and Podman through Nova's engine adapter, their
// engine networks and volumes; and the original Nova's `run/stop/status container NAME`.
// Each group of subcommands lives in its own container-*.ts file; this one puts them together.
import type { Command } from 'commander';

import { registerExec } from './container-exec.js';
import {
  defineInspect,
  definePause,
  defineRestart,
  defineResume,
  defineStart,
  defineStop,
  registerCreate,
  registerList,
  registerRemove,
} from './container-lifecycle.js';
import { registerLogs } from './container-logs.js';
import { registerNetworks } from './container-networks.js';
import { registerStats } from './container-stats.js';
import { registerVolumes } from './container-volumes.js';
import { type CommandContext, commandGroup } from './shared.js';

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
  defineRestart(container.command('restart').description('stop a container and start it again'), ctx);
  definePause(container.command('pause').description('freeze a running container’s processes'), ctx);
  defineResume(container.command('resume').description('let a paused container run again'), ctx);
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
