// `nova diag`: every check of what Nova depends on, with its status and a fix.
import { diagnoseNova, formatDiagReport } from '@nova/core/node';
import type { Command } from 'commander';

import { addJsonOption, checkSeconds, type CommandContext, type JsonOption } from './shared.js';

export function registerDiagCommand(program: Command, ctx: CommandContext): void {
  addJsonOption(
    program
      .command('diag')
      .description(
        'check KVM, libvirt, libvirt-dbus, the helper, polkit, the container engines, the default network, storage pools, bridges and disk space; exits 1 if a check fails',
      )
      .option('--timeout <seconds>', 'give each check at most this long (default 8)'),
  ).action(async (options: JsonOption & { timeout?: string }) => {
    const timeoutMs =
      options.timeout === undefined ? undefined : checkSeconds(options.timeout, '--timeout', 300) * 1000;
    const report = await diagnoseNova(ctx.services(), timeoutMs === undefined ? {} : { timeoutMs });
    ctx.io.out(options.json === true ? JSON.stringify(report, null, 2) : formatDiagReport(report));
    if (report.summary.fail > 0) ctx.setExitCode(1);
  });
}
