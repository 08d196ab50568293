// `nova container network …`: the engines' own networks, which containers join (libvirt's networks are
// `nova network`'s).
import { Ipv4Address, NewEngineNetwork, NovaError } from '@nova/core';
import type { Command } from 'commander';

import { checkObjectName, collect, objectTargetOf, parseLabels } from './container-args.js';
import { formatNetworkList } from './container-format.js';
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

export function registerNetworks(container: Command, ctx: CommandContext): void {
  const network = container
    .command('network')
    .description('the engines’ own networks, which containers join (not libvirt’s: see nova network)');

  addEngineListCommand(network, ctx, {
    what: 'networks',
    read: (engine) => engine.listNetworks(),
    format: formatNetworkList,
  });

  addJsonOption(
    addEngineOption(
      network
        .command('create')
        .description('create a bridge network for containers')
        .argument('<name>', 'the network’s name')
        .option('--subnet <cidr>', 'its IPv4 subnet, e.g. 10.90.0.0/24 (default: the engine picks one)')
        .option('--gateway <ip>', 'its gateway in that subnet (default: the engine picks it)')
        .option('--internal', 'no way out: containers on it reach only each other')
        .option('-l, --label <key=value>', 'a label of your own (repeatable)', collect),
    ),
  ).action(
    (
      name: string,
      options: JsonOption &
        EngineOption & { subnet?: string; gateway?: string; internal?: boolean; label?: string[] },
    ) =>
      reporting(ctx, options, async () => {
        checkObjectName(name, 'network');
        if (options.gateway !== undefined && options.subnet === undefined)
          throw new NovaError(
            'invalid-input',
            '--gateway needs --subnet',
            'Give the subnet the gateway is in.',
          );
        if (options.subnet !== undefined && !NewEngineNetwork.shape.subnet.safeParse(options.subnet).success)
          throw new NovaError(
            'invalid-input',
            `--subnet "${options.subnet}" is not an IPv4 CIDR such as 10.90.0.0/24`,
          );
        if (options.gateway !== undefined && !Ipv4Address.safeParse(options.gateway).success)
          throw new NovaError('invalid-input', `--gateway "${options.gateway}" is not an IPv4 address`);
        const labels = parseLabels(options.label ?? []);
        const spec = NewEngineNetwork.parse({
          name,
          internal: options.internal === true,
          ...(options.subnet === undefined ? {} : { subnet: options.subnet }),
          ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
          ...(Object.keys(labels).length === 0 ? {} : { labels }),
        });
        const engine = await chosenEngine(ctx, options);
        await engine.createNetwork(spec);
        done(
          ctx,
          options,
          { engine: engine.engine, network: name },
          `Created network "${name}" on ${engine.engine}.`,
        );
      }),
  );

  addJsonOption(
    addEngineOption(
      addTargetOptions(
        network
          .command('rm')
          .description('remove a network (the engine’s own are never removed)')
          .argument('<name>', 'the network'),
        'network',
      ),
      LOOKUP_ENGINE,
    ),
  ).action((name: string, options: ChangeOptions) =>
    reporting(ctx, options, async () => {
      const target = objectTargetOf(name, options, 'network');
      const engine = await locateIn(ctx, options, 'network', name, async (candidate) =>
        (await candidate.listNetworks()).some((n) => n.name === name),
      );
      await withForeignHint(target, engine, () => engine.removeNetwork(target));
      done(
        ctx,
        options,
        { engine: engine.engine, network: name },
        `Removed network "${name}" from ${engine.engine}.`,
      );
    }),
  );
}
