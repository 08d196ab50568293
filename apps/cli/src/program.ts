import { exitCodeFor, formatNovaFileError, NOVA_VERSION, toErrorData, worstSourceError } from '@nova/core';
import { DEFAULT_NOVAFILE, loadNovaFile, type NovaServices } from '@nova/core/node';
import { Command, CommanderError } from 'commander';

import { registerContainerCommands } from './commands/container.js';
import { registerDiagCommand } from './commands/diag.js';
import { registerImageCommands } from './commands/image.js';
import { registerMetricsCommands } from './commands/metrics.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerStorageCommands } from './commands/storage.js';
import { registerSupportCommands } from './commands/support.js';
import { registerTemplateCommands } from './commands/template.js';
import { registerVmCommands } from './commands/vm.js';
import { registerWizardCommands } from './commands/wizard.js';
import { formatError, formatInstanceList, formatSourceProblems, formatVersion } from './format.js';
import { type CommandContext, registerNovaFileCommands, terminalConfirm } from './novafile-commands.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Runs `nova` with the given arguments (without the node and script paths) and resolves with the exit
 * code: 0, or the code of the error (invalid input 2, not authorized 3, backend unavailable 4, else 1).
 */
export async function runNova(
  argv: string[],
  services: () => NovaServices,
  io: Io = processIo,
  confirm: CommandContext['confirm'] = terminalConfirm(),
): Promise<number> {
  let exitCode = 0;
  let opened: NovaServices | undefined;
  const open = (): NovaServices => (opened ??= services());

  const program = new Command('nova')
    .description('Nova: virtual machines and containers on this machine, from one place.')
    .version(NOVA_VERSION, '-V, --nova-version', 'print only Nova’s version number')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        io.out(text.trimEnd());
      },
      writeErr: (text) => {
        io.err(text.trimEnd());
      },
    })
    .option('-c, --config <file>', 'the NovaFile to read', DEFAULT_NOVAFILE)
    .showHelpAfterError('(run nova --help for usage)');
  const configPath = (): string => program.opts<{ config: string }>().config;

  program
    .command('list')
    .description('list every instance: libvirt VMs and containers of every reachable engine')
    .option('--json', 'print one JSON document (stable structure for tools)')
    .action(async (options: { json?: boolean }) => {
      const list = await open().instances.list();
      if (options.json === true) io.out(JSON.stringify(list, null, 2));
      else io.out(formatInstanceList(list));
      for (const problem of formatSourceProblems(list)) io.err(problem);
      const worst = worstSourceError(list);
      if (worst !== undefined) exitCode = exitCodeFor(worst.code);
    });

  program
    .command('validate')
    .description(
      'check a NovaFile strictly, without changing anything (names it checks against the host when it can)',
    )
    .option('--json', 'print the result as one JSON document')
    .option('--offline', 'do not look at the host: check only the file itself')
    .action(async (options: { json?: boolean; offline?: boolean }) => {
      const host = options.offline === true ? undefined : await open().hostFacts();
      const result = await loadNovaFile(configPath(), host?.facts);
      const warnings = host?.warnings ?? [];
      if (options.json === true) {
        io.out(
          JSON.stringify(
            result.ok
              ? { valid: true, file: result.path, warnings }
              : { valid: false, file: result.path, errors: result.errors, warnings },
            null,
            2,
          ),
        );
      }
      for (const warning of warnings) io.err(`nova: warning: ${warning}`);
      if (!result.ok) {
        if (options.json !== true) for (const error of result.errors) io.err(formatNovaFileError(error));
        io.err(
          `nova: ${result.errors.length} ${result.errors.length === 1 ? 'error' : 'errors'} in ${result.path}`,
        );
        exitCode = exitCodeFor('invalid-input');
        return;
      }
      if (options.json !== true) {
        const { model } = result;
        const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
        io.out(
          `${result.path} is valid: ${count(Object.keys(model.vm).length, 'VM')}, ${count(Object.keys(model.container).length, 'container')}, ${count(Object.keys(model.network).length, 'network')}, ${count(Object.keys(model.storage).length, 'storage pool')}.`,
        );
      }
    });

  const context: CommandContext = {
    io,
    services: open,
    configPath,
    setExitCode: (code) => {
      exitCode = code;
    },
    confirm,
  };
  registerNovaFileCommands(program, context);
  registerVmCommands(program, context);
  registerWizardCommands(program, context);
  registerNetworkCommands(program, context);
  registerStorageCommands(program, context);
  registerContainerCommands(program, context);
  registerImageCommands(program, context);
  registerTemplateCommands(program, context);
  registerDiagCommand(program, context);
  registerSupportCommands(program, context);
  registerMetricsCommands(program, context);

  program
    .command('version')
    .description(
      'Nova’s version, and whether libvirt, KVM, the helper and each container engine are reachable',
    )
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const report = await open().version();
      io.out(options.json === true ? JSON.stringify(report, null, 2) : formatVersion(report));
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --nova-version end here with code 0; usage errors are invalid input.
      exitCode = err.exitCode === 0 ? 0 : exitCodeFor('invalid-input');
    } else {
      const error = toErrorData(err);
      io.err(formatError(error));
      exitCode = exitCodeFor(error.code);
    }
  } finally {
    opened?.close();
  }
  return exitCode;
}
