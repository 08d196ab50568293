import { createInterface } from 'node:readline/promises';

import { exitCodeFor, formatNovaFileError, NovaError, type NovaFileError } from '@nova/core';
import {
  type ApplyEvent,
  applyPlan,
  formatPlan,
  hostApplyBackend,
  type NovaServices,
  planNovaFile,
  type PlanOutcome,
  planToJson,
} from '@nova/core/node';
import type { Command } from 'commander';

import type { Io } from './program.js';

export interface CommandContext {
  io: Io;
  services: () => NovaServices;
  configPath: () => string;
  setExitCode: (code: number) => void;
  /** Asks the person at the terminal; undefined when there is no terminal to ask on. */
  confirm: ((question: string) => Promise<boolean>) | undefined;
}

/** A yes/no question on the terminal, when stdin is one. */
export function terminalConfirm(): CommandContext['confirm'] {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

function reportProblems(ctx: CommandContext, outcome: PlanOutcome, json: boolean): boolean {
  for (const warning of outcome.warnings) ctx.io.err(`nova: warning: ${warning}`);
  const errors: NovaFileError[] = outcome.errors;
  const conflicts = outcome.ok ? outcome.plan.conflicts.filter((c) => c.path === undefined) : [];
  if (errors.length === 0 && conflicts.length === 0) return false;
  if (!json) {
    for (const error of errors) ctx.io.err(formatNovaFileError(error));
    for (const conflict of conflicts)
      ctx.io.err(`nova: ${conflict.message}${conflict.hint === undefined ? '' : `\n  ${conflict.hint}`}`);
  }
  // The file is wrong (2) unless all that stands in the way is what exists on the host (conflict, 1).
  const fileIsWrong = !outcome.ok || outcome.plan.issues.length > 0;
  ctx.setExitCode(exitCodeFor(fileIsWrong ? 'invalid-input' : 'conflict'));
  if (!json)
    ctx.io.err(
      `nova: nothing can be planned until ${errors.length + conflicts.length === 1 ? 'this is' : 'these are'} fixed`,
    );
  return true;
}

function describeEvent(event: ApplyEvent): string | undefined {
  if (event.type === 'note') return `  note: ${event.message}`;
  if (event.type === 'rollback') {
    if (event.status === 'started') return `  rolling back: ${event.description} …`;
    return event.status === 'done'
      ? `  rolled back: ${event.description}`
      : `  could not roll back ${event.description}: ${event.error?.message ?? ''}`;
  }
  const { step, index, total } = event;
  const what = `[${index + 1}/${total}] ${step.action} ${step.kind} ${step.name}`;
  if (event.status === 'started') return `${what} …`;
  if (event.status === 'done') return `${what}: done (${((event.ms ?? 0) / 1000).toFixed(1)} s)`;
  return `${what}: failed: ${event.error?.message ?? ''}${event.error?.detail === undefined ? '' : `\n  ${event.error.detail}`}`;
}

export function registerNovaFileCommands(program: Command, ctx: CommandContext): void {
  program
    .command('plan')
    .description('compare the NovaFile with this host and print what apply would do, in order')
    .option('--json', 'print the plan as one JSON document (stable structure for tools and the GUI)')
    .option('--prune', 'also plan to delete what Nova owns in this project and the file no longer names')
    .action(async (options: { json?: boolean; prune?: boolean }) => {
      const outcome = await planNovaFile(ctx.services().novaFile, ctx.configPath(), {
        prune: options.prune === true,
      });
      const json = options.json === true;
      const failed = reportProblems(ctx, outcome, json);
      if (json) {
        ctx.io.out(
          JSON.stringify(
            outcome.ok
              ? {
                  ...(planToJson(outcome.plan, outcome.path) as object),
                  errors: outcome.errors,
                  warnings: outcome.warnings,
                }
              : { version: 1, file: outcome.path, errors: outcome.errors, warnings: outcome.warnings },
            null,
            2,
          ),
        );
        return;
      }
      if (failed || !outcome.ok) return;
      ctx.io.out(`Plan for project "${outcome.plan.project}" (${outcome.path}):`);
      ctx.io.out(formatPlan(outcome.plan));
    });

  program
    .command('apply')
    .description('make this host match the NovaFile; undoes what it created if a step fails')
    .option('-y, --yes', 'do not ask before changing the host')
    .option('--prune', 'also delete what Nova owns in this project and the file no longer names')
    .option('--json', 'print the plan and the result as JSON (progress goes to stderr)')
    .option(
      '--allow-uplink <interface...>',
      'consent to taking these host interfaces into bridges (external networks)',
    )
    .action(async (options: { yes?: boolean; prune?: boolean; json?: boolean; allowUplink?: string[] }) => {
      const json = options.json === true;
      const services = ctx.services();
      const outcome = await planNovaFile(services.novaFile, ctx.configPath(), {
        prune: options.prune === true,
      });
      if (reportProblems(ctx, outcome, json) || !outcome.ok) {
        if (json)
          ctx.io.out(
            JSON.stringify({ applied: false, errors: outcome.errors, warnings: outcome.warnings }, null, 2),
          );
        return;
      }
      const { plan } = outcome;
      const say = (text: string): void => {
        if (json) ctx.io.err(text);
        else ctx.io.out(text);
      };
      say(`Plan for project "${plan.project}" (${outcome.path}):`);
      say(formatPlan(plan));
      if (plan.steps.length === 0) {
        if (json)
          ctx.io.out(
            JSON.stringify(
              { applied: true, plan: planToJson(plan, outcome.path), done: [], rolledBack: [] },
              null,
              2,
            ),
          );
        return;
      }
      if (options.yes !== true) {
        if (ctx.confirm === undefined) {
          throw new NovaError(
            'invalid-input',
            'apply changes the host and there is no terminal to confirm on',
            'Pass --yes to apply without asking.',
          );
        }
        if (!(await ctx.confirm(`Apply these ${plan.steps.length} changes?`))) {
          say('Nothing was changed.');
          ctx.setExitCode(1);
          return;
        }
      }
      // Taking an uplink into a bridge can cut the host off the network: it needs its own, explicit yes.
      const allowed = new Set(options.allowUplink ?? []);
      for (const step of plan.steps) {
        if (step.uplink === undefined || allowed.has(step.uplink)) continue;
        const question = `${step.kind} ${step.name} ${step.reason ?? ''}. This can cut the host's network connection. Allow it?`;
        if (ctx.confirm === undefined || options.yes === true) {
          throw new NovaError(
            'invalid-input',
            `apply would take ${step.uplink} into bridge ${step.name}, which can cut this host's network connection`,
            `Pass --allow-uplink ${step.uplink} to consent. Nothing was changed.`,
          );
        }
        if (!(await ctx.confirm(question))) {
          say('Nothing was changed.');
          ctx.setExitCode(1);
          return;
        }
        allowed.add(step.uplink);
      }
      const started = Date.now();
      const backend = hostApplyBackend(services.novaFile);
      const report = await applyPlan(plan, backend, (event) => {
        const line = describeEvent(event);
        if (line === undefined) return;
        if (event.type === 'step' && event.status === 'failed') ctx.io.err(line);
        else say(line);
      });
      if (json) {
        ctx.io.out(
          JSON.stringify(
            {
              applied: report.ok,
              plan: planToJson(plan, outcome.path),
              done: report.done.map(({ kind, name, action }) => ({ kind, name, action })),
              ...(report.failed === undefined
                ? {}
                : {
                    failed: {
                      kind: report.failed.step.kind,
                      name: report.failed.step.name,
                      action: report.failed.step.action,
                      error: report.failed.error,
                    },
                  }),
              rolledBack: report.rolledBack,
            },
            null,
            2,
          ),
        );
      }
      if (report.ok) {
        say(
          `Applied ${report.done.length} ${report.done.length === 1 ? 'change' : 'changes'} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
        );
        return;
      }
      const failure = report.failed;
      const undone = report.rolledBack.filter((r) => r.ok).length;
      ctx.io.err(
        `nova: apply failed at ${failure?.step.action ?? ''} ${failure?.step.kind ?? ''} ${failure?.step.name ?? ''}: ${failure?.error.message ?? ''}; ` +
          (report.rolledBack.length === 0
            ? 'this run had created nothing to undo'
            : `rolled back ${undone} of ${report.rolledBack.length} things this run created`),
      );
      ctx.setExitCode(exitCodeFor(failure?.error.code ?? 'failed'));
    });
}
