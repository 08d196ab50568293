// `nova template …`: the template gallery: list and show templates of the built-in and the user's
// registries with their provenance, and deploy one (download, verify, copy into a pool, write the
// NovaFile section, and with --apply plan and apply it).
import { resolve } from 'node:path';

import { NovaError, parseSize } from '@nova/core';
import {
  applyPlan,
  type CatalogEntry,
  type CatalogOptions,
  type DeployEvent,
  deployTemplate,
  formatPlan,
  hostApplyBackend,
  loadCatalogReport,
  planNovaFile,
  PROVENANCE_CHECKS,
  type ProvenanceCheck,
  stepsForStack,
  stepsForVm,
  TemplateKind,
} from '@nova/core/node';
import { type Command, Option } from 'commander';

import { table } from '../format.js';
import {
  addJsonOption,
  type CommandContext,
  humanBytes,
  type JsonOption,
  reporting,
  show,
} from './shared.js';

interface RegistryOptions {
  registry?: string[];
  builtin?: boolean;
}

interface ListOptions extends JsonOption, RegistryOptions {
  kind?: string;
  tag?: string[];
  os?: string;
  search?: string;
}

interface DeployCliOptions extends JsonOption, RegistryOptions {
  name: string;
  pool?: string;
  network?: string;
  cpu?: string;
  memory?: string;
  disk?: string;
  accelerator?: 'auto' | 'kvm' | 'tcg';
  sshKey?: string[];
  apply?: boolean;
  allowUnverified?: boolean;
}

function addRegistryOptions(command: Command): Command {
  return command
    .option(
      '--registry <location...>',
      'also read this registry: a folder with index.json, or the http(s) URL of an index',
    )
    .option('--no-builtin', 'leave out Nova’s built-in templates');
}

function catalogOptions(options: RegistryOptions, novaFile: string): CatalogOptions {
  return {
    novaFile,
    ...(options.registry === undefined
      ? {}
      : {
          registries: options.registry.map((location) =>
            /^[a-z]+:\/\//i.test(location) ? location : resolve(location),
          ),
        }),
    ...(options.builtin === false ? { builtin: false } : {}),
  };
}

/** The readable word for a check's status: the badge's text. */
function badge(check: ProvenanceCheck): string {
  switch (check.status) {
    case 'passed':
      return 'verified';
    case 'failed':
      return 'FAILED';
    case 'pending':
      return 'checked at deploy';
    case 'not-applicable':
      return 'not applicable';
  }
}

function summary(entry: CatalogEntry): string {
  return entry.failedChecks.length === 0 ? 'ok' : `needs consent (${entry.failedChecks.join(', ')})`;
}

function formatTemplateList(entries: readonly CatalogEntry[]): string {
  if (entries.length === 0) return 'No templates.';
  return table([
    ['ID', 'KIND', 'OS', 'VERSION', 'REGISTRY', 'PROVENANCE'],
    ...entries.map((entry) => [
      entry.template.id,
      entry.template.kind,
      `${entry.template.os} ${entry.template.os_version}`.trim(),
      entry.template.version,
      entry.registry.name,
      summary(entry),
    ]),
  ]);
}

function formatTemplate(entry: CatalogEntry): string {
  const { template } = entry;
  const lines = [
    `${template.name} (${template.id}, version ${template.version})`,
    `  kind:        ${template.kind}`,
    `  os:          ${`${template.os} ${template.os_version}`.trim()} (${template.arch})`,
    `  publisher:   ${template.publisher.name} (${template.publisher.id})${template.publisher.key === undefined ? '' : `, key ${template.publisher.key}`}`,
    `  registry:    ${entry.registry.name} (${entry.registry.location})`,
    `  minimum:     ${String(template.minimum.cpu)} vCPU, ${humanBytes(template.minimum.memory)} memory, ${humanBytes(template.minimum.disk)} disk`,
  ];
  if (template.tags.length > 0) lines.push(`  tags:        ${template.tags.join(', ')}`);
  if (template.kind === 'vm') {
    const d = template.defaults;
    lines.push(
      `  image:       ${template.image.url} (${template.image.format})`,
      `  defaults:    ${String(d.cpu)} vCPU, ${humanBytes(d.memory)} memory, ${humanBytes(d.disk_size)} disk, ${d.firmware}${d.cloud_init ? ', cloud-init' : ''}`,
    );
  } else {
    lines.push(
      `  containers:  ${Object.entries(template.containers)
        .map(
          ([name, container]) =>
            `${name} (${typeof container['capsule'] === 'string' ? container['capsule'] : 'ubuntu:latest'})`,
        )
        .join(', ')}`,
    );
    if (Object.keys(template.networks).length > 0)
      lines.push(`  networks:    ${Object.keys(template.networks).join(', ')}`);
    if (template.volumes.length > 0) lines.push(`  volumes:     ${template.volumes.join(', ')}`);
  }
  if (template.description !== '') lines.push('', `  ${template.description}`);
  lines.push('', 'Provenance:');
  for (const check of PROVENANCE_CHECKS) {
    const result = entry.provenance[check];
    lines.push(`  ${`${check}:`.padEnd(11)} ${badge(result)} — ${result.detail}`);
  }
  if (entry.failedChecks.length > 0) {
    lines.push(
      '',
      `Deploying it needs your consent (--allow-unverified): ${entry.failedChecks.join(', ')} failed.`,
    );
  }
  return lines.join('\n');
}

function positiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 512) {
    throw new NovaError('invalid-input', `${option}: "${text}" is not a whole number from 1 to 512`);
  }
  return Number(text);
}

function size(text: string, option: string): number {
  const parsed = parseSize(text);
  if (!parsed.ok) throw new NovaError('invalid-input', `${option}: ${parsed.message}`, parsed.hint);
  if (parsed.bytes < 1024 * 1024) {
    throw new NovaError(
      'invalid-input',
      `${option}: ${text} is less than 1 MiB`,
      'Write a size such as "2Gi".',
    );
  }
  return parsed.bytes;
}

/** Progress for people: a rewritten line on a terminal, else a line every 10 %. */
function progressReporter(ctx: CommandContext, json: boolean): (event: DeployEvent) => void {
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  let lastResume = -1;
  return (event) => {
    if (event.type === 'step') {
      if (tty) process.stderr.write('\r\x1b[K');
      ctx.io.err(`nova: ${event.message}`);
      return;
    }
    if (event.type === 'check') {
      ctx.io.err(`nova: ${event.check}: ${event.status} — ${event.detail}`);
      return;
    }
    if (event.resumedFrom > 0 && event.resumedFrom !== lastResume) {
      lastResume = event.resumedFrom;
      ctx.io.err(
        `nova: resuming the download at ${humanBytes(event.resumedFrom)} (attempt ${String(event.attempt)})`,
      );
    }
    const of = event.total === undefined ? '' : ` of ${humanBytes(event.total)}`;
    const percent =
      event.total === undefined || event.total === 0
        ? undefined
        : Math.floor((event.received / event.total) * 100);
    if (tty && !json) {
      process.stderr.write(
        `\r\x1b[Kdownloading: ${humanBytes(event.received)}${of}${percent === undefined ? '' : ` (${String(percent)} %)`}`,
      );
      return;
    }
    const tenth =
      percent === undefined ? Math.floor(event.received / (64 * 1024 * 1024)) : Math.floor(percent / 10);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      ctx.io.err(
        `nova: downloaded ${humanBytes(event.received)}${of}${percent === undefined ? '' : ` (${String(percent)} %)`}`,
      );
    }
  };
}

async function applyAfterDeploy(
  ctx: CommandContext,
  json: boolean,
  deployed: { kind: 'vm' | 'container-stack'; name: string; sections: readonly string[] },
): Promise<{ applied: boolean; steps: string[] }> {
  const services = ctx.services();
  const outcome = await planNovaFile(services.novaFile, ctx.configPath(), { prune: false });
  if (!outcome.ok) {
    throw new NovaError(
      'invalid-input',
      `the NovaFile cannot be planned: ${outcome.errors.map((error) => error.message).join('; ')}`,
    );
  }
  const blocking = [
    ...outcome.errors.map((error) => error.message),
    ...outcome.plan.conflicts.filter((c) => c.path === undefined).map((c) => c.message),
  ];
  if (blocking.length > 0) throw new NovaError('conflict', `nothing was applied: ${blocking.join('; ')}`);
  const uplink = outcome.plan.steps.find((step) => step.uplink !== undefined);
  if (uplink !== undefined) {
    throw new NovaError(
      'invalid-input',
      `applying would take ${uplink.uplink ?? ''} into bridge ${uplink.name}`,
      'The template was deployed into the NovaFile; run `nova apply --allow-uplink …` to consent and apply.',
    );
  }
  const say = (text: string) => {
    if (json) ctx.io.err(text);
    else ctx.io.out(text);
  };
  // Only what the template made: other pending changes of the NovaFile are left for `nova apply`.
  const { plan, left } =
    deployed.kind === 'vm'
      ? stepsForVm(outcome.plan, deployed.name)
      : stepsForStack(outcome.plan, deployed.sections);
  say(formatPlan(plan));
  if (left.length > 0)
    say(`${String(left.length)} other change(s) in the NovaFile are left for \`nova apply\`.`);
  const report = await applyPlan(plan, hostApplyBackend(services.novaFile), (event) => {
    if (event.type !== 'step') return;
    const what = `[${String(event.index + 1)}/${String(event.total)}] ${event.step.action} ${event.step.kind} ${event.step.name}`;
    if (event.status === 'failed') ctx.io.err(`${what}: failed: ${event.error?.message ?? ''}`);
    else if (event.status === 'done') say(`${what}: done`);
  });
  if (!report.ok) {
    throw new NovaError(
      report.failed?.error.code ?? 'failed',
      `applying failed (what it created was rolled back; the NovaFile keeps the new section): ${report.failed?.error.message ?? ''}`,
    );
  }
  return {
    applied: true,
    steps: report.done.map(({ kind, name, action }) => `${action} ${kind} ${name}`),
  };
}

export function registerTemplateCommands(program: Command, ctx: CommandContext): void {
  const template = program
    .command('template')
    .description(
      'the template gallery: VM images and container stacks from registries, with provenance checks',
    );

  addRegistryOptions(
    addJsonOption(
      template
        .command('list')
        .description('list templates of the built-in and your registries, with what failed their checks')
        .addOption(new Option('--kind <kind>', 'only this kind').choices(TemplateKind.options))
        .option('--tag <tag...>', 'only templates with every one of these tags')
        .option('--os <os>', 'only this operating system, such as debian')
        .option('--search <text>', 'only templates whose id, name or description contain this text'),
    ),
  ).action((options: ListOptions) =>
    reporting(ctx, options, async () => {
      const report = await loadCatalogReport(catalogOptions(options, resolve(ctx.configPath())));
      const registryProblems = report.problems.filter((problem) => problem.startsWith('registry '));
      if (registryProblems.length > 0) throw new NovaError('invalid-input', registryProblems.join('; '));
      for (const problem of report.problems) ctx.io.err(`nova: warning: ${problem}`);
      const search = options.search?.toLowerCase();
      const entries = report.entries.filter(({ template: t }) => {
        if (options.kind !== undefined && t.kind !== options.kind) return false;
        if (options.os !== undefined && t.os.toLowerCase() !== options.os.toLowerCase()) return false;
        if (options.tag !== undefined && !options.tag.every((tag) => t.tags.includes(tag))) return false;
        if (
          search !== undefined &&
          ![t.id, t.name, t.description].some((text) => text.toLowerCase().includes(search))
        )
          return false;
        return true;
      });
      show(ctx, options, { templates: entries, problems: report.problems }, (value) =>
        formatTemplateList(value.templates),
      );
    }),
  );

  addRegistryOptions(
    addJsonOption(
      template
        .command('show')
        .description('a template in detail, with each provenance check and why')
        .argument('<id>'),
    ),
  ).action((id: string, options: JsonOption & RegistryOptions) =>
    reporting(ctx, options, async () => {
      const report = await loadCatalogReport(catalogOptions(options, resolve(ctx.configPath())));
      const entry = report.entries.find((candidate) => candidate.template.id === id);
      if (entry === undefined) {
        throw new NovaError(
          'not-found',
          `no template "${id}"${report.problems.length > 0 ? ` (${report.problems.join('; ')})` : ''}`,
          'See `nova template list`.',
        );
      }
      show(ctx, options, entry, formatTemplate);
    }),
  );

  addRegistryOptions(
    addJsonOption(
      template
        .command('deploy')
        .description(
          'download a template’s image (with resume), verify it, copy it into a storage pool and write its NovaFile section',
        )
        .argument('<id>')
        .requiredOption('--name <name>', 'the VM’s name (a container stack’s names start with it)')
        .option('--pool <pool>', 'the storage pool for the image (default nova-disks, made on first use)')
        .option('--network <network>', 'the VM’s network (default: libvirt’s "default")')
        .option('--cpu <n>', 'vCPUs (default: the template’s)')
        .option('--memory <size>', 'memory, such as 2Gi (default: the template’s)')
        .option('--disk <size>', 'grow the system disk to this size (default: the template’s)')
        .addOption(
          new Option('--accelerator <accelerator>', 'kvm, tcg or auto').choices(['auto', 'kvm', 'tcg']),
        )
        .option('--ssh-key <public-key-line...>', 'an SSH public key cloud-init lets log in')
        .option('--apply', 'then plan and apply the NovaFile (starts the VM or the containers)')
        .option('--allow-unverified', 'deploy even though provenance checks failed (you consent to each)'),
    ),
  ).action((id: string, options: DeployCliOptions) =>
    reporting(ctx, options, async () => {
      const json = options.json === true;
      const result = await deployTemplate(
        {
          helper: (method, input) => ctx.services().helper(method, input),
          hostFacts: () => ctx.services().hostFacts(),
        },
        {
          ...catalogOptions(options, resolve(ctx.configPath())),
          id,
          name: options.name,
          novaFile: resolve(ctx.configPath()),
          ...(options.pool === undefined ? {} : { pool: options.pool }),
          ...(options.network === undefined ? {} : { network: options.network }),
          ...(options.cpu === undefined ? {} : { cpu: positiveInt(options.cpu, '--cpu') }),
          ...(options.memory === undefined ? {} : { memory: size(options.memory, '--memory') }),
          ...(options.disk === undefined ? {} : { disk: size(options.disk, '--disk') }),
          ...(options.accelerator === undefined ? {} : { accelerator: options.accelerator }),
          ...(options.sshKey === undefined ? {} : { sshAuthorizedKeys: options.sshKey }),
          allowUnverified: options.allowUnverified === true,
          onEvent: progressReporter(ctx, json),
        },
      );
      if (result.consented) {
        ctx.io.err(
          `nova: warning: deployed despite failed checks, with your consent: ${result.failedChecks.join(', ')}`,
        );
      }
      const sections = result.sections.map((section) => `[${section}]`).join(', ');
      if (!json) ctx.io.out(`Deployed template ${result.template} as ${sections} in ${result.novaFile}.`);
      let applied: { applied: boolean; steps: string[] } | undefined;
      if (options.apply === true) applied = await applyAfterDeploy(ctx, json, result);
      else if (!json) ctx.io.out('Run `nova apply` to create it.');
      if (json)
        ctx.io.out(
          JSON.stringify(
            { ok: true, ...result, ...(applied === undefined ? {} : { apply: applied }) },
            null,
            2,
          ),
        );
    }),
  );
}
