// The VM wizard's state: what the backend knows (`wizard.context`), the answers so far, the preview of
// the NovaFile change (`wizard.preview`, asked again shortly after each change), and a run with its
// progress (`wizard.run`, `wizard.progress`).
import {
  defaultAnswers,
  type NovaErrorData,
  stepsFor,
  toErrorData,
  withPreset,
  type WizardAnswers,
  type WizardContext,
  type WizardPreset,
  type WizardPreview,
  type WizardProgress,
  type WizardRunResult,
  type WizardSourceKind,
} from '@nova/core';
import { create } from 'zustand';

import type { NovaClient } from '../api/client.js';

type RunStatus = 'idle' | 'running' | 'done' | 'failed';

export interface WizardState {
  context: WizardContext | undefined;
  loadError: NovaErrorData | undefined;
  answers: WizardAnswers | undefined;
  stepIndex: number;
  preview: WizardPreview | undefined;
  previewError: NovaErrorData | undefined;
  run: {
    status: RunStatus;
    apply: boolean;
    progress: WizardProgress[];
    result?: WizardRunResult;
    error?: NovaErrorData;
  };
  /** `consented`: the person accepted the template's failed checks in the gallery. */
  load(template?: string, consented?: boolean): Promise<void>;
  update(patch: Partial<WizardAnswers>): void;
  chooseSource(source: WizardSourceKind, template?: string): void;
  choosePreset(preset: WizardPreset | undefined): void;
  goTo(index: number): void;
  start(apply: boolean): Promise<WizardRunResult | undefined>;
  /** The preview of the answers as they are now, once it has arrived (at once when it has). */
  settled(): Promise<WizardPreview | undefined>;
}

let runs = 0;

export function createWizardStore(client: NovaClient, options: { debounceMs?: number } = {}) {
  const debounceMs = options.debounceMs ?? 150;
  return create<WizardState>()((set, get) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asked = 0;
    // Answers changed since the last preview arrived: Next waits for the one that judges them.
    let pending = false;
    let waiters: ((preview: WizardPreview | undefined) => void)[] = [];
    const settle = () => {
      pending = false;
      const waiting = waiters;
      waiters = [];
      for (const resolve of waiting) resolve(get().preview);
    };
    const previewSoon = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        const { answers } = get();
        if (answers === undefined) return;
        const ticket = ++asked;
        client.call('wizard.preview', { answers }).then(
          (preview) => {
            // An older answer must not overwrite a newer one.
            if (ticket !== asked) return;
            set({ preview, previewError: undefined });
            settle();
          },
          (err: unknown) => {
            if (ticket !== asked) return;
            set({ previewError: toErrorData(err) });
            settle();
          },
        );
      }, debounceMs);
    };
    const replace = (answers: WizardAnswers) => {
      pending = true;
      set({ answers, run: { status: 'idle', apply: false, progress: [] } });
      previewSoon();
    };
    return {
      context: undefined,
      loadError: undefined,
      answers: undefined,
      stepIndex: 0,
      preview: undefined,
      previewError: undefined,
      run: { status: 'idle', apply: false, progress: [] },
      async load(template, consented) {
        try {
          const context = await client.call('wizard.context', {});
          const source: WizardSourceKind =
            template !== undefined ? 'template' : context.tinyGuest !== undefined ? 'tiny' : 'iso';
          set({ context, loadError: undefined, stepIndex: 0 });
          const answers = defaultAnswers('', source, context, template);
          replace(consented === true ? { ...answers, allowUnverified: true } : answers);
        } catch (err) {
          set({ loadError: toErrorData(err) });
        }
      },
      update(patch) {
        const { answers } = get();
        if (answers !== undefined) replace({ ...answers, ...patch });
      },
      chooseSource(source, template) {
        const { answers, context } = get();
        if (answers === undefined || context === undefined) return;
        const fresh = defaultAnswers(answers.name, source, context, template);
        replace(answers.preset === undefined ? fresh : withPreset(fresh, answers.preset));
      },
      choosePreset(preset) {
        const { answers, context } = get();
        if (answers === undefined || context === undefined) return;
        if (preset === undefined) {
          const fresh = defaultAnswers(answers.name, answers.source, context, answers.template);
          replace({
            ...fresh,
            ...(answers.iso === undefined ? {} : { iso: answers.iso }),
            ...(answers.diskImage === undefined ? {} : { diskImage: answers.diskImage }),
          });
        } else replace(withPreset(answers, preset));
      },
      goTo(index) {
        const { answers } = get();
        if (answers === undefined) return;
        set({ stepIndex: Math.max(0, Math.min(index, stepsFor(answers.source).length - 1)) });
      },
      settled() {
        if (!pending) return Promise.resolve(get().preview);
        return new Promise((resolve) => {
          waiters.push(resolve);
        });
      },
      async start(apply) {
        const { answers } = get();
        if (answers === undefined) return undefined;
        const runId = `wizard-${Date.now().toString(36)}-${++runs}`;
        set({ run: { status: 'running', apply, progress: [] } });
        const stop = client.on('wizard.progress', (progress) => {
          if (progress.runId !== runId) return;
          set((state) => ({ run: { ...state.run, progress: [...state.run.progress, progress] } }));
        });
        try {
          const result = await client.call('wizard.run', { answers, apply, runId });
          set((state) => ({ run: { ...state.run, status: 'done', result } }));
          return result;
        } catch (err) {
          set((state) => ({ run: { ...state.run, status: 'failed', error: toErrorData(err) } }));
          return undefined;
        } finally {
          stop();
        }
      },
    };
  });
}
