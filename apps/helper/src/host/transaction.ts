// A host change as a list of steps, undone newest first if a later one fails.
export interface Step {
  run: () => Promise<unknown>;
  undo?: () => Promise<unknown>;
}

/** Runs steps in order; when one fails, runs the undo of those that succeeded, newest first. */
export async function transaction(steps: Step[]): Promise<void> {
  const done: (() => Promise<unknown>)[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (err) {
      for (const undo of done.reverse()) await undo().catch(() => undefined);
      throw err;
    }
    if (step.undo !== undefined) done.push(step.undo);
  }
}

/** For clean-ups whose own failure must not hide the error being reported, or stop the next one. */
export const ignore = () => undefined;
