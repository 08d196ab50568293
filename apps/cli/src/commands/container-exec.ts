// `nova container exec`: runs a command in a running container; nova exits with the command's exit code.
import type { Command } from 'commander';

import { collect, containerTargetOf, type ExecOptions, execRequestOf } from './container-args.js';
import { type ChangeOptions, refOf } from './container-target.js';
import { addEngineOption, locateContainer, LOOKUP_ENGINE, withForeignHint } from './engine-choice.js';
import { addJsonOption, addTargetOptions, type CommandContext, reporting } from './shared.js';

export function registerExec(container: Command, ctx: CommandContext): void {
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
