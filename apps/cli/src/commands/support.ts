// `nova support bundle`: a redacted tar.gz of what someone helping needs, with progress.
import { NovaError, RedactionLevel } from '@nova/core';
import { bundleNovaSupport, DEFAULT_NOVAFILE } from '@nova/core/node';
import type { Command } from 'commander';

import { type CommandContext, commandGroup } from './shared.js';

interface BundleFlags {
  output?: string;
  redact: string;
  logs: boolean;
  system: boolean;
  metrics: boolean;
  json?: boolean;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export function registerSupportCommands(program: Command, ctx: CommandContext): void {
  const support = commandGroup(program, 'support', 'help for people who help you with Nova');
  support
    .command('bundle')
    .description(
      'write a tar.gz with versions, nova diag, logs, NovaFiles, Nova’s libvirt XML, network and engine state and recent metrics; secrets are redacted',
    )
    .option('-o, --output <file>', 'where to write it (default ./nova-support-<time>.tar.gz)')
    .option(
      '--redact <level>',
      'none, standard (passwords, tokens, keys, cloud-init user data) or strict (also host and user names, MAC and IP addresses)',
      'standard',
    )
    .option('--no-logs', 'leave out the helper’s audit log and Nova’s logs')
    .option('--no-system', 'leave out host network state and container engine details')
    .option('--no-metrics', 'leave out the short sample of metrics')
    .option('--json', 'print progress and the result as JSON lines on stdout')
    .action(async (flags: BundleFlags) => {
      const level = RedactionLevel.safeParse(flags.redact);
      if (!level.success) {
        throw new NovaError(
          'invalid-input',
          `--redact: "${flags.redact}" is not a redaction level`,
          'Use none, standard or strict.',
        );
      }
      const json = flags.json === true;
      const services = ctx.services();
      const outcome = await bundleNovaSupport(services, {
        ...(flags.output === undefined ? {} : { output: flags.output }),
        redact: level.data,
        logs: flags.logs,
        system: flags.system,
        metrics: flags.metrics,
        novaFiles: [ctx.configPath(), DEFAULT_NOVAFILE],
        onProgress: (progress) => {
          if (json) {
            ctx.io.out(JSON.stringify({ type: 'progress', ...progress }));
            return;
          }
          if (progress.status === 'started' || progress.status === 'done') {
            if (progress.status === 'started')
              ctx.io.err(
                `[${progress.index}/${progress.total}] ${progress.step}${progress.message === undefined ? '' : `: ${progress.message}`} …`,
              );
            return;
          }
          ctx.io.err(
            `[${progress.index}/${progress.total}] ${progress.step}: ${progress.status}${progress.message === undefined ? '' : ` (${progress.message})`}`,
          );
        },
      });
      const { manifest } = outcome;
      if (json) {
        ctx.io.out(
          JSON.stringify({
            type: 'done',
            path: outcome.path,
            sizeBytes: outcome.sizeBytes,
            files: manifest.files.length,
            skipped: manifest.skipped,
            redactions: manifest.redactions,
          }),
        );
        return;
      }
      const redacted = Object.entries(manifest.redactions)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', ');
      ctx.io.out(
        `Wrote ${outcome.path} (${kib(outcome.sizeBytes)}, ${manifest.files.length + 1} files).\n` +
          `Redacted (${manifest.options.redact}): ${redacted === '' ? 'nothing' : redacted}.\n` +
          `Left out: ${manifest.skipped.length === 0 ? 'nothing' : `${manifest.skipped.length} sources (see manifest.json)`}.\n` +
          'Look through it before you share it: tar -xzf FILE, then read manifest.json.',
      );
    });
}
