// `nova wizard vm NAME`: asks for a new VM step by step on a terminal (or takes every answer as a
// flag), shows the NovaFile change as a diff, and with --apply writes the section and makes the VM.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';

import {
  NovaError,
  WIZARD_STEP_TITLES,
  type WizardAnswers,
  type WizardContext,
  WizardPreset,
  type WizardSourceKind,
  type WizardStep,
} from '@nova/core';
import {
  defaultAnswers,
  describePoolChoice,
  formatWizardIssue,
  issuesOf,
  loadWizardContext,
  PRESETS,
  previewOnHost,
  runWizard,
  stepsFor,
  withPreset,
  type WizardEvent,
} from '@nova/core/node';
import { type Command, Option } from 'commander';

import type { CommandContext } from '../novafile-commands.js';

/** Asks one question on the terminal and returns the answer as typed. */
export interface Prompter {
  ask(question: string): Promise<string>;
  close(): void;
}

/** Questions on the terminal, when stdin is one; undefined otherwise (then the wizard never asks). */
function terminalPrompter(): Prompter | undefined {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  return {
    ask: (question) => rl.question(question),
    close: () => {
      rl.close();
    },
  };
}

interface WizardOptions {
  template?: string;
  iso?: string;
  diskImage?: string;
  tiny?: boolean;
  cpu?: string;
  memory?: string;
  disk?: string[];
  pool?: string;
  network?: string;
  firmware?: 'bios' | 'uefi';
  secureBoot?: boolean;
  tpm?: boolean;
  accelerator?: 'auto' | 'kvm' | 'tcg';
  sshKey?: string[];
  user?: string;
  preset?: WizardPreset;
  gpu?: string;
  allowUnverified?: boolean;
  write?: boolean;
  apply?: boolean;
  yes?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function parseCpu(text: string): number {
  if (!/^\d{1,6}$/.test(text.trim()))
    throw new NovaError(
      'invalid-input',
      `"${text}" is not a number of vCPUs`,
      'give a whole number, such as 2',
    );
  return Number(text.trim());
}

function parseDisk(text: string): { size: string; pool?: string } {
  const [size = '', pool, ...rest] = text.split(',').map((part) => part.trim());
  if (size === '' || rest.length > 0)
    throw new NovaError(
      'invalid-input',
      `"${text}" is not a disk`,
      'write a disk as SIZE or SIZE,POOL, such as 20Gi or 20Gi,fast',
    );
  return pool === undefined || pool === '' ? { size } : { size, pool };
}

async function readKeys(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NovaError(
      'invalid-input',
      `cannot read the SSH key file ${path}: ${err instanceof Error ? err.message : String(err)}`,
      'give the public key file, such as ~/.ssh/id_ed25519.pub',
    );
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function sourceOf(options: WizardOptions, context: WizardContext): WizardSourceKind | undefined {
  const given: WizardSourceKind[] = [
    ...(options.template === undefined ? [] : (['template'] as const)),
    ...(options.iso === undefined ? [] : (['iso'] as const)),
    ...(options.diskImage === undefined ? [] : (['disk'] as const)),
    ...(options.tiny === true ? (['tiny'] as const) : []),
  ];
  if (given.length > 1)
    throw new NovaError(
      'invalid-input',
      `give one source, not ${given.length}: ${given.join(', ')}`,
      'use one of --template, --iso, --disk-image and --tiny',
    );
  if (given[0] !== undefined) return given[0];
  if (options.preset !== undefined) return context.isos.length > 0 ? 'iso' : undefined;
  return context.tinyGuest !== undefined ? 'tiny' : context.isos.length > 0 ? 'iso' : undefined;
}

/** The answers the flags give, over the source's defaults and the preset's. */
async function answersFromFlags(
  name: string,
  source: WizardSourceKind,
  options: WizardOptions,
  context: WizardContext,
): Promise<{ answers: WizardAnswers; given: Set<keyof WizardAnswers> }> {
  let answers = defaultAnswers(name, source, context, options.template);
  if (source === 'iso') answers.iso = options.iso ?? context.isos[0];
  if (source === 'disk' && options.diskImage !== undefined) answers.diskImage = options.diskImage;
  if (options.preset !== undefined) answers = withPreset(answers, options.preset);
  const given = new Set<keyof WizardAnswers>(['name', 'source']);
  const set = <K extends keyof WizardAnswers>(key: K, value: WizardAnswers[K] | undefined) => {
    if (value === undefined) return;
    answers[key] = value;
    given.add(key);
  };
  if (options.template !== undefined) given.add('template');
  if (options.iso !== undefined) given.add('iso');
  if (options.diskImage !== undefined) given.add('diskImage');
  set('cpu', options.cpu === undefined ? undefined : parseCpu(options.cpu));
  set('memory', options.memory);
  set('disks', options.disk?.map(parseDisk));
  set('pool', options.pool);
  set(
    'network',
    options.network === undefined ? undefined : options.network === 'none' ? '' : options.network,
  );
  set('firmware', options.firmware);
  set('secureBoot', options.secureBoot);
  set('tpm', options.tpm);
  set('accelerator', options.accelerator);
  set('user', options.user);
  set('gpu', options.gpu);
  set('allowUnverified', options.allowUnverified);
  if (options.sshKey !== undefined) {
    const keys: string[] = [];
    for (const path of options.sshKey) keys.push(...(await readKeys(path)));
    set('sshKeys', keys);
  }
  return { answers, given };
}

const yes = (text: string): boolean | undefined =>
  /^y(es)?$/i.test(text) ? true : /^no?$/i.test(text) ? false : undefined;

/** Asks one step's questions; an empty answer keeps the value shown in brackets. */
async function askStep(
  step: WizardStep,
  answers: WizardAnswers,
  context: WizardContext,
  prompter: Prompter,
  say: (text: string) => void,
): Promise<WizardAnswers> {
  const ask = async (question: string, shown: string): Promise<string> => {
    const typed = (await prompter.ask(`${question}${shown === '' ? '' : ` [${shown}]`}: `)).trim();
    return typed === '' ? shown : typed;
  };
  const askYes = async (question: string, value: boolean): Promise<boolean> => {
    for (;;) {
      const answer = yes(await ask(`${question} (y/n)`, value ? 'y' : 'n'));
      if (answer !== undefined) return answer;
      say('  answer y or n');
    }
  };
  const next = { ...answers };
  switch (step) {
    case 'source': {
      const kinds = ['template', 'iso', 'disk', 'tiny'];
      let kind = await ask(`Source (${kinds.join(', ')})`, next.source);
      while (!kinds.includes(kind)) {
        say(`  "${kind}" is not a source: answer ${kinds.join(', ')}`);
        kind = await ask(`Source (${kinds.join(', ')})`, next.source);
      }
      const source = kind as WizardSourceKind;
      const fresh =
        source === next.source
          ? next
          : { ...defaultAnswers(next.name, source, context), preset: next.preset };
      Object.assign(next, fresh, { source });
      if (source === 'template') {
        for (const t of context.templates) say(`  ${t.id}: ${t.name}`);
        if (context.templates.length === 0)
          say(`  no VM templates${context.templatesNote === undefined ? '' : ` (${context.templatesNote})`}`);
        const id = await ask('Template', next.template ?? context.templates[0]?.id ?? '');
        Object.assign(next, defaultAnswers(next.name, 'template', context, id));
      } else if (source === 'iso') {
        context.isos.forEach((iso, index) => {
          say(`  ${index + 1}. ${iso}`);
        });
        const answer = await ask('ISO image (number or path)', next.iso ?? context.isos[0] ?? '');
        next.iso = /^\d+$/.test(answer) ? (context.isos[Number(answer) - 1] ?? answer) : answer;
      } else if (source === 'disk') {
        next.diskImage = await ask('Disk image to boot', next.diskImage ?? '');
      }
      return next;
    }
    case 'name':
      next.name = await ask('Name', next.name);
      return next;
    case 'resources': {
      const cpu = await ask('vCPUs', String(next.cpu));
      next.cpu = /^\d{1,6}$/.test(cpu) ? Number(cpu) : -1;
      next.memory = await ask('Memory', next.memory);
      return next;
    }
    case 'disks': {
      if (next.source === 'template') {
        const pools = context.pools ?? [];
        for (const pool of pools) say(`  ${describePoolChoice(pool)}`);
        if (context.pools === undefined) say('  the storage pools could not be read');
        const chosen = await ask(
          'Storage pool for the template’s image',
          next.pool ?? pools.find((pool) => pool.isDefault)?.name ?? '',
        );
        next.pool = chosen;
      }
      const what = next.source === 'iso' ? 'Disks, the system disk first' : 'Extra disks';
      const shown = next.disks.map((d) => (d.pool === undefined ? d.size : `${d.size},${d.pool}`)).join(' ');
      const answer = await ask(
        `${what} (SIZE[,POOL] separated by spaces, - for none)`,
        shown === '' ? '-' : shown,
      );
      try {
        next.disks = answer === '-' ? [] : answer.split(/\s+/).map(parseDisk);
      } catch (err) {
        say(`  ${err instanceof Error ? err.message : String(err)}`);
      }
      return next;
    }
    case 'network': {
      const file = previewNetworks(context);
      say(`  networks: ${[...file, ...(context.hostNetworks ?? [])].join(', ') || 'none known'}`);
      const answer = await ask('Network (none for no network)', next.network === '' ? 'none' : next.network);
      next.network = answer === 'none' ? '' : answer;
      return next;
    }
    case 'firmware': {
      const firmware = await ask('Firmware (bios, uefi)', next.firmware);
      next.firmware = firmware === 'uefi' ? 'uefi' : firmware === 'bios' ? 'bios' : next.firmware;
      if (firmware !== 'uefi' && firmware !== 'bios') say('  answer bios or uefi');
      next.secureBoot = await askYes('Secure Boot', next.secureBoot);
      next.tpm = await askYes('TPM 2.0', next.tpm);
      if (next.preset === 'gpu-labs')
        next.gpu = await ask('GPU to pass through (PCI address)', next.gpu ?? '');
      return next;
    }
    case 'accelerator': {
      const accelerator = await ask('Accelerator (auto, kvm, tcg)', next.accelerator);
      if (accelerator === 'auto' || accelerator === 'kvm' || accelerator === 'tcg')
        next.accelerator = accelerator;
      else say('  answer auto, kvm or tcg');
      return next;
    }
    case 'cloud-init': {
      const user = await ask('User to create (empty for none)', next.user ?? '');
      next.user = user === '' ? undefined : user;
      const keyFile = await ask('SSH public key file (empty for none)', '');
      if (keyFile !== '') {
        try {
          next.sshKeys = await readKeys(keyFile);
        } catch (err) {
          say(`  ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return next;
    }
  }
}

function previewNetworks(context: WizardContext): string[] {
  const match = context.text.match(/^\s*\[network\.([A-Za-z0-9_.-]+)\]/gm) ?? [];
  return match.map((header) => header.replace(/^\s*\[network\./, '').replace(/\]$/, ''));
}

const MAX_ATTEMPTS = 10;

/** Asks every step in turn, re-asking a step while its answers break a rule. */
export async function interview(
  start: WizardAnswers,
  context: WizardContext,
  prompter: Prompter,
  say: (text: string) => void,
): Promise<WizardAnswers> {
  let answers = start;
  const done = new Set<WizardStep>();
  // The steps depend on the source (cloud-init is for cloud images): take the next one not yet asked.
  let step = stepsFor(answers.source).find((candidate) => !done.has(candidate));
  while (step !== undefined) {
    done.add(step);
    // The name came with the command: ask it only when it breaks a rule.
    const ask = step !== 'name' || issuesOf(previewOnHost(context, answers), 'name').length > 0;
    if (ask) {
      say(`${WIZARD_STEP_TITLES[step]}:`);
      for (let attempts = 1; ; attempts++) {
        answers = await askStep(step, answers, context, prompter, say);
        const issues = issuesOf(previewOnHost(context, answers), step);
        if (issues.length === 0) break;
        for (const issue of issues) say(`  ✗ ${formatWizardIssue(issue)}`);
        if (attempts >= MAX_ATTEMPTS)
          throw new NovaError(
            'invalid-input',
            `no valid answer for ${WIZARD_STEP_TITLES[step]} after ${MAX_ATTEMPTS} tries`,
          );
      }
    }
    step = stepsFor(answers.source).find((candidate) => !done.has(candidate));
  }
  return answers;
}

function describeEvent(event: WizardEvent): string | undefined {
  if (event.type === 'template' || event.type === 'storage') return `  ${event.message}`;
  if (event.type === 'written') return `Wrote the section into ${event.file}.`;
  if (event.type === 'planned')
    return `Plan: ${event.steps} ${event.steps === 1 ? 'step' : 'steps'} for this VM${event.left === 0 ? '' : ` (${event.left} other changes in the file are left for nova apply)`}.`;
  if (event.type === 'restored') return `Took the section out of ${event.file} again: it is as it was.`;
  const inner = event.event;
  if (inner.type === 'note') return `  note: ${inner.message}`;
  if (inner.type === 'rollback')
    return inner.status === 'started'
      ? `  rolling back: ${inner.description} …`
      : inner.status === 'done'
        ? `  rolled back: ${inner.description}`
        : `  could not roll back ${inner.description}: ${inner.error?.message ?? ''}`;
  const what = `[${inner.index + 1}/${inner.total}] ${inner.step.action} ${inner.step.kind} ${inner.step.name}`;
  if (inner.status === 'started') return `${what} …`;
  if (inner.status === 'done') return `${what}: done (${((inner.ms ?? 0) / 1000).toFixed(1)} s)`;
  return `${what}: failed: ${inner.error?.message ?? ''}`;
}

export function registerWizardCommands(
  program: Command,
  ctx: CommandContext,
  prompter: () => Prompter | undefined = terminalPrompter,
): void {
  const wizard = program
    .command('wizard')
    .description('create things step by step, with the NovaFile change shown');
  wizard
    .command('vm')
    .description(
      'a new VM: asks on a terminal (or takes flags), shows the [vm.NAME] section as a diff; --apply writes it and makes the VM',
    )
    .argument('<name>', 'the VM’s name')
    .option('--template <id>', 'source: a VM template of the catalog (nova template list)')
    .option('--iso <file>', 'source: an installer ISO (default: the first in the NovaFile’s [iso] paths)')
    .option('--disk-image <file>', 'source: an existing disk image to boot')
    .option('--tiny', 'source: the lab’s tiny test guest (direct kernel boot, seconds under TCG)')
    .addOption(new Option('--preset <preset>', 'start from a preset').choices(WizardPreset.options))
    .option('--cpu <n>', 'number of vCPUs')
    .option('--memory <size>', 'memory, such as 4Gi')
    .option(
      '--disk <size[,pool]>',
      'a disk (repeat for more); with --iso the first is the system disk',
      collect,
    )
    .option(
      '--pool <pool>',
      'with --template: the storage pool its image is copied into (default nova-disks, made on first use)',
    )
    .option(
      '--network <name>',
      'a network of the NovaFile, a libvirt network or a host bridge; none for none',
    )
    .addOption(new Option('--firmware <type>', 'BIOS or UEFI firmware').choices(['bios', 'uefi']))
    .option('--secure-boot', 'UEFI Secure Boot')
    .option('--tpm', 'a TPM 2.0 (emulated)')
    .addOption(
      new Option('--accelerator <accelerator>', 'kvm, tcg (emulation) or auto').choices([
        'auto',
        'kvm',
        'tcg',
      ]),
    )
    .option('--gpu <pci-address>', 'a GPU to pass through (gpu-labs), such as 0000:01:00.0')
    .option('--user <name>', 'cloud-init: a user to create (cloud images)')
    .option('--ssh-key <file>', 'cloud-init: a public key file allowed to log in (repeatable)', collect)
    .option('--allow-unverified', 'deploy a template even though some of its provenance checks failed')
    .option('--write', 'write the section into the NovaFile without applying it')
    .option('--apply', 'write the section and make the VM now (plan and apply, with progress)')
    .option('-y, --yes', 'do not ask before changing the host')
    .option('--json', 'print the section, the diff and the result as one JSON document')
    .action(async (name: string, options: WizardOptions) => {
      const json = options.json === true;
      const say = (text: string): void => {
        if (json) ctx.io.err(text);
        else ctx.io.out(text);
      };
      const services = ctx.services();
      const file = ctx.configPath();
      const context = await loadWizardContext(services.novaFile, file);
      for (const warning of context.warnings) ctx.io.err(`nova: warning: ${warning}`);
      const source = sourceOf(options, context);
      const ask = json ? undefined : prompter();
      try {
        if (source === undefined && ask === undefined)
          throw new NovaError(
            'invalid-input',
            'the wizard needs a source, and there is no tiny test guest or ISO image here to default to',
            'give --template ID, --iso FILE, --disk-image FILE or --tiny',
          );
        let { answers } = await answersFromFlags(name, source ?? 'iso', options, context);
        if (ask !== undefined) {
          say(`A new VM for ${file}: press Enter to keep the value in brackets.`);
          if (options.preset !== undefined)
            say(`Preset ${options.preset}: ${PRESETS[options.preset].description}.`);
          answers = await interview(answers, context, ask, say);
        }
        const preview = previewOnHost(context, answers);
        if (preview.issues.length > 0) {
          if (json)
            ctx.io.out(
              JSON.stringify({ file, name: answers.name, valid: false, issues: preview.issues }, null, 2),
            );
          throw new NovaError(
            'invalid-input',
            `the answers break ${preview.issues.length === 1 ? 'a rule' : `${preview.issues.length} rules`} of the NovaFile:\n${preview.issues.map((issue) => `  ${formatWizardIssue(issue)}`).join('\n')}`,
            `Nothing was written; ${file} is unchanged.`,
          );
        }
        if (!json) {
          ctx.io.out(`The change to ${file}:`);
          ctx.io.out(preview.diff.trimEnd());
        }
        const write = options.write === true || options.apply === true;
        // What --json prints once the section is valid: the preview, and what was written and applied.
        const report = (outcome: { written: boolean; applied: boolean; done?: unknown[] }) => {
          ctx.io.out(
            JSON.stringify(
              {
                file,
                name: answers.name,
                valid: true,
                section: preview.section,
                diff: preview.diff,
                ...outcome,
              },
              null,
              2,
            ),
          );
        };
        if (!write) {
          if (json) report({ written: false, applied: false });
          else
            say(
              'Dry run: nothing was written. Run again with --apply to write it and make the VM, or --write to only write it.',
            );
          return;
        }
        if (options.apply === true && options.yes !== true) {
          if (ctx.confirm === undefined)
            throw new NovaError(
              'invalid-input',
              'apply changes the host and there is no terminal to confirm on',
              'Pass --yes to apply without asking.',
            );
          ask?.close();
          if (!(await ctx.confirm(`Write this section and make VM "${answers.name}"?`))) {
            say('Nothing was changed.');
            ctx.setExitCode(1);
            return;
          }
        }
        const started = Date.now();
        const result = await runWizard(services.novaFile, file, answers, {
          apply: options.apply === true,
          onEvent: (event) => {
            const line = describeEvent(event);
            if (line !== undefined) say(line);
          },
        });
        if (result.applied)
          say(`VM "${answers.name}" is made (${((Date.now() - started) / 1000).toFixed(1)} s).`);
        if (json)
          report({
            written: result.written,
            applied: result.applied,
            done: (result.report?.done ?? []).map(({ kind, name: what, action }) => ({
              kind,
              name: what,
              action,
            })),
          });
      } finally {
        ask?.close();
      }
    });
}
