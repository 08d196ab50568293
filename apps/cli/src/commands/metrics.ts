// `nova metrics …`: the Prometheus exporter (serve) and the password hash its basic auth needs.
import { resolve } from 'node:path';

import {
  defaultExporterConfig,
  type ExporterConfig,
  hashPassword,
  NovaError,
  NovaExporter,
  parseListenAddress,
  readExporterConfig,
  serveExporter,
} from '@nova/core/node';
import type { Command } from 'commander';

import type { CommandContext } from './shared.js';

interface ServeOptions {
  listen?: string;
  allowInsecureListen?: boolean;
  exporterConfig?: string;
}

/** Resolves on SIGINT or SIGTERM (the exporter runs until then). */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    const onInt = () => {
      stop('SIGINT');
    };
    const onTerm = () => {
      stop('SIGTERM');
    };
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerMetricsCommands(program: Command, ctx: CommandContext): void {
  const metrics = program
    .command('metrics')
    .description('Prometheus metrics of this host’s VMs and containers (see docs/observability.md)');

  metrics
    .command('serve')
    .description(
      'serve /metrics for Prometheus (default 127.0.0.1:9640); -c/--config names a NovaFile to report drift of',
    )
    .option('--exporter-config <file>', 'the exporter’s config file (TOML; see docs/observability.md)')
    .option('--listen <address:port>', 'where to listen (overrides the config file’s listen)')
    .option(
      '--allow-insecure-listen',
      'listen beyond loopback without TLS and basic auth (a warning is printed)',
    )
    .action(async (options: ServeOptions, command: Command) => {
      let config: ExporterConfig =
        options.exporterConfig === undefined
          ? defaultExporterConfig()
          : await readExporterConfig(options.exporterConfig);
      // -c/--config names the NovaFile, as for every command: its drift is reported, unless the
      // exporter's config names one itself.
      const root = command.parent?.parent;
      if (config.novafile === undefined && root?.getOptionValueSource('config') === 'cli')
        config = { ...config, novafile: resolve(ctx.configPath()) };
      if (options.listen !== undefined) config = { ...config, listen: parseListenAddress(options.listen) };

      const services = ctx.services();
      const exporter = new NovaExporter(
        {
          instances: services.instances,
          helper: services.helper,
          containers: services.containers,
          novaFile: services.novaFile,
          watchInstances: (listener) => services.watchInstances(listener),
        },
        config,
      );
      const running = await serveExporter(exporter, {
        allowInsecureListen: options.allowInsecureListen === true,
        warn: (message) => {
          ctx.io.err(message);
        },
      });
      exporter.start();
      ctx.io.out(
        `Serving Prometheus metrics at ${running.url}/metrics (sampling every ${String(config.intervalMs / 1000)} s${
          config.novafile === undefined ? '' : `, drift of ${config.novafile}`
        }); Ctrl+C stops.`,
      );
      const signal = await untilStopped();
      ctx.io.err(`nova: ${signal}: stopping the exporter`);
      exporter.close();
      // What is under way ends before the services close, so that nothing reconnects after them.
      await exporter.settled();
      await running.close();
    });

  metrics
    .command('hash-password')
    .description('read a password on stdin and print the hash for basic_auth.password_hash')
    .action(async () => {
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (password.length === 0) {
        throw new NovaError(
          'invalid-input',
          'no password on stdin',
          'Pipe it in, for example: printf %s "$PASSWORD" | nova metrics hash-password',
        );
      }
      ctx.io.out(hashPassword(password));
    });
}
