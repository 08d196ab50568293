// A double of the helper for the command-line tests: it records each call and answers from a table.
// The integration suite (e2e/integration/cli-vm.test.ts) runs the same commands against the real helper.
import type { HelperMethodName, HelperOutput, NovaError } from '@nova/core';
import type { NovaServices } from '@nova/core/node';

import { type Io, runNova } from '../src/program.js';

export type Answers = {
  [M in HelperMethodName]?: HelperOutput<M> | NovaError | ((input: unknown) => HelperOutput<M>);
};

export interface HelperCallRecord {
  method: HelperMethodName;
  input: unknown;
}

export interface NovaRun {
  code: number;
  stdout: string;
  stderr: string;
  calls: HelperCallRecord[];
}

/** Runs `nova ARGS` against the double; `confirm` answers the deletion questions (undefined: no terminal). */
export async function nova(
  args: string[],
  answers: Answers = {},
  confirm?: (question: string) => Promise<boolean>,
): Promise<NovaRun> {
  const calls: HelperCallRecord[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { out: (text) => stdout.push(text), err: (text) => stderr.push(text) };
  const services = () =>
    ({
      helper: (method: HelperMethodName, input: unknown) => {
        calls.push({ method, input });
        const answer = answers[method] as unknown;
        if (answer === undefined) return Promise.reject(new Error(`the double has no answer for ${method}`));
        if (answer instanceof Error) return Promise.reject(answer);
        return Promise.resolve(
          typeof answer === 'function' ? (answer as (i: unknown) => unknown)(input) : answer,
        );
      },
      close: () => undefined,
    }) as unknown as NovaServices;
  // runNova asks the terminal when no confirm is given; a test stands in for a run without one.
  const noTerminal = async () => {
    const saved = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      return await runNova(args, services, io);
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.stdin, 'isTTY');
      else Object.defineProperty(process.stdin, 'isTTY', saved);
    }
  };
  const code = confirm === undefined ? await noTerminal() : await runNova(args, services, io, confirm);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), calls };
}

/** A confirm that records the questions and answers them all the same way. */
export function answering(
  answer: boolean,
): ((question: string) => Promise<boolean>) & { questions: string[] } {
  const questions: string[] = [];
  const confirm = (question: string) => {
    questions.push(question);
    return Promise.resolve(answer);
  };
  return Object.assign(confirm, { questions });
}
