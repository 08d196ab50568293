import './wizard.css';

import {
  describePoolChoice,
  networksOfText,
  stepsFor,
  WIZARD_STEP_TITLES,
  type WizardAnswers,
  type WizardContext,
  type WizardIssue,
  WizardPreset,
  type WizardPreview,
  type WizardSourceKind,
  type WizardStep,
} from '@nova/core';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';

import type { NovaClient } from '../../api/client.js';
import { routeHref } from '../../shell/routes.js';
import { createWizardStore, type WizardState } from '../../stores/wizard.js';

const SOURCE_LABELS: Record<WizardSourceKind, string> = {
  template: 'Template',
  iso: 'ISO image (installer)',
  disk: 'Existing disk image',
  tiny: 'Tiny test guest',
};

const PRESET_LABELS: Record<WizardPreset, string> = {
  windows11: 'Windows 11 (UEFI, Secure Boot, TPM 2.0)',
  'gpu-labs': 'GPU labs (a GPU passed through)',
};

const fieldId = (field: string) => `wizard-${field}`;
const errorId = (field: string) => `wizard-${field}-error`;

/** Props that tie an input to its label and to its problem, if it has one. */
function described(field: string, issues: WizardIssue[], hintId?: string) {
  const problem = issues.some((issue) => issue.field === field);
  const ids = [problem ? errorId(field) : undefined, hintId].filter((id) => id !== undefined);
  return {
    id: fieldId(field),
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': ids.length === 0 ? undefined : ids.join(' '),
  } as const;
}

function FieldProblem({ field, issues }: { field: string; issues: WizardIssue[] }) {
  const mine = issues.filter((issue) => issue.field === field);
  if (mine.length === 0) return null;
  return (
    <div id={errorId(field)} className="field-problem">
      {mine.map((issue) => (
        <div key={issue.message}>
          {issue.message}
          {issue.hint === undefined ? null : <div className="hint">{issue.hint}</div>}
        </div>
      ))}
    </div>
  );
}

interface StepProps {
  answers: WizardAnswers;
  context: WizardContext;
  issues: WizardIssue[];
  update: (patch: Partial<WizardAnswers>) => void;
  state: WizardState;
}

function SourceStep({ answers, context, issues, update, state }: StepProps) {
  return (
    <>
      <div role="radiogroup" aria-label="Source" className="choices">
        {(Object.keys(SOURCE_LABELS) as WizardSourceKind[]).map((kind) => (
          <label key={kind} className="inline">
            <input
              type="radio"
              name="wizard-source"
              value={kind}
              checked={answers.source === kind}
              onChange={() => {
                state.chooseSource(kind);
              }}
            />{' '}
            {SOURCE_LABELS[kind]}
          </label>
        ))}
      </div>
      <FieldProblem field="source" issues={issues} />
      {answers.source === 'template' ? (
        context.templates.length === 0 ? (
          <p className="note" id="wizard-template-note">
            No VM templates are available
            {context.templatesNote === undefined ? '.' : `: ${context.templatesNote}`}
          </p>
        ) : (
          <div className="field">
            <label htmlFor={fieldId('template')}>Template</label>
            <select
              {...described('template', issues)}
              value={answers.template ?? ''}
              onChange={(event) => {
                state.chooseSource('template', event.target.value);
              }}
            >
              {context.templates.map((template) => (
                <option key={template.id} value={template.id}>
                  {template.name} ({template.id})
                </option>
              ))}
            </select>
            <FieldProblem field="template" issues={issues} />
            {(() => {
              const failed = context.templates.find((t) => t.id === answers.template)?.failedChecks ?? [];
              if (failed.length === 0) return null;
              return (
                <label className="inline">
                  <input
                    type="checkbox"
                    checked={answers.allowUnverified === true}
                    onChange={(event) => {
                      update({ allowUnverified: event.target.checked });
                    }}
                  />{' '}
                  {`Deploy anyway: I accept that its ${failed.join(' and ')} ${failed.length === 1 ? 'check' : 'checks'} failed`}
                </label>
              );
            })()}
          </div>
        )
      ) : null}
      {answers.source === 'iso' ? (
        <div className="field">
          <label htmlFor={fieldId('iso')}>ISO image</label>
          <input
            {...described('iso', issues, 'wizard-iso-note')}
            list="wizard-isos"
            value={answers.iso ?? ''}
            onChange={(event) => {
              update({ iso: event.target.value });
            }}
          />
          <datalist id="wizard-isos">
            {context.isos.map((iso) => (
              <option key={iso} value={iso} />
            ))}
          </datalist>
          <div className="hint" id="wizard-iso-note">
            {context.isos.length === 0
              ? 'No *.iso files are in the NovaFile’s [iso] paths: give a path.'
              : `${context.isos.length} found in the NovaFile’s [iso] paths.`}
          </div>
          <FieldProblem field="iso" issues={issues} />
        </div>
      ) : null}
      {answers.source === 'disk' ? (
        <div className="field">
          <label htmlFor={fieldId('diskImage')}>Disk image</label>
          <input
            {...described('diskImage', issues)}
            value={answers.diskImage ?? ''}
            onChange={(event) => {
              update({ diskImage: event.target.value });
            }}
          />
          <FieldProblem field="diskImage" issues={issues} />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={fieldId('preset')}>Preset</label>
        <select
          {...described('preset', issues)}
          value={answers.preset ?? ''}
          onChange={(event) => {
            const parsed = WizardPreset.safeParse(event.target.value);
            state.choosePreset(parsed.success ? parsed.data : undefined);
          }}
        >
          <option value="">None</option>
          {WizardPreset.options.map((preset) => (
            <option key={preset} value={preset}>
              {PRESET_LABELS[preset]}
            </option>
          ))}
        </select>
        <FieldProblem field="preset" issues={issues} />
      </div>
    </>
  );
}

/** Where a template's image is copied: a pool of the host, nova-disks by default (made on first use). */
function PoolField({ answers, context, issues, update }: StepProps) {
  const pools = context.pools;
  const chosen = answers.pool ?? pools?.find((pool) => pool.isDefault)?.name ?? '';
  const file = `${answers.name === '' ? 'NAME' : answers.name}.${
    context.templates.find((t) => t.id === answers.template)?.imageFormat === 'raw' ? 'img' : 'qcow2'
  }`;
  return (
    <div className="field">
      <label htmlFor={fieldId('pool')}>Storage pool</label>
      {pools === undefined ? (
        <input
          {...described('pool', issues, 'wizard-pool-note')}
          value={chosen}
          placeholder="nova-disks"
          onChange={(event) => {
            update({ pool: event.target.value });
          }}
        />
      ) : (
        <select
          {...described('pool', issues, 'wizard-pool-note')}
          value={chosen}
          onChange={(event) => {
            update({ pool: event.target.value });
          }}
        >
          {pools.map((pool) => (
            <option key={pool.name} value={pool.name}>
              {describePoolChoice(pool)}
            </option>
          ))}
          {chosen !== '' && !pools.some((pool) => pool.name === chosen) ? (
            <option value={chosen}>{chosen}</option>
          ) : null}
        </select>
      )}
      <div className="hint" id="wizard-pool-note">
        {pools === undefined
          ? 'The host’s storage pools could not be read: type a pool’s name.'
          : `The template’s image is copied into this pool as ${file}, the VM’s system disk.`}
      </div>
      <FieldProblem field="pool" issues={issues} />
    </div>
  );
}

function DisksStep(props: StepProps) {
  const { answers, issues, update } = props;
  const disks = answers.disks;
  return (
    <>
      {answers.source === 'template' ? <PoolField {...props} /> : null}
      <p className="note" id="wizard-disks-note">
        {answers.source === 'iso'
          ? 'The first disk is the system disk the installer writes to; the others are extra disks.'
          : 'Extra, empty disks (the VM boots from its source).'}
      </p>
      {disks.length === 0 ? <p className="empty">No extra disks.</p> : null}
      {disks.map((disk, index) => (
        <div className="disk-row" key={index}>
          <label>
            {`Disk ${index + 1} size`}{' '}
            <input
              aria-describedby={`wizard-disks-note${issues.some((i) => i.field === 'disks') ? ` ${errorId('disks')}` : ''}`}
              value={disk.size}
              onChange={(event) => {
                update({
                  disks: disks.map((d, i) => (i === index ? { ...d, size: event.target.value } : d)),
                });
              }}
            />
          </label>
          <label>
            {`Disk ${index + 1} pool`}{' '}
            <input
              value={disk.pool ?? ''}
              placeholder="default"
              onChange={(event) => {
                const pool = event.target.value;
                update({
                  disks: disks.map((d, i) =>
                    i === index ? (pool === '' ? { size: d.size } : { ...d, pool }) : d,
                  ),
                });
              }}
            />
          </label>
          <button
            type="button"
            onClick={() => {
              update({ disks: disks.filter((_, i) => i !== index) });
            }}
          >
            {`Remove disk ${index + 1}`}
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          update({ disks: [...disks, { size: '10Gi' }] });
        }}
      >
        Add disk
      </button>
      <FieldProblem field="disks" issues={issues} />
    </>
  );
}

function StepFields(props: StepProps & { step: WizardStep }) {
  const { step, answers, context, issues, update } = props;
  switch (step) {
    case 'source':
      return <SourceStep {...props} />;
    case 'name':
      return (
        <div className="field">
          <label htmlFor={fieldId('name')}>Name</label>
          <input
            {...described('name', issues)}
            value={answers.name}
            autoComplete="off"
            onChange={(event) => {
              update({ name: event.target.value });
            }}
          />
          <FieldProblem field="name" issues={issues} />
        </div>
      );
    case 'resources':
      return (
        <>
          <div className="field">
            <label htmlFor={fieldId('cpu')}>vCPUs</label>
            <input
              {...described('cpu', issues)}
              type="number"
              min={1}
              value={answers.cpu < 0 ? '' : answers.cpu}
              onChange={(event) => {
                const value = event.target.value;
                update({ cpu: /^\d{1,6}$/.test(value) ? Number(value) : -1 });
              }}
            />
            <FieldProblem field="cpu" issues={issues} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('memory')}>Memory</label>
            <input
              {...described('memory', issues, 'wizard-memory-note')}
              value={answers.memory}
              onChange={(event) => {
                update({ memory: event.target.value });
              }}
            />
            <div className="hint" id="wizard-memory-note">
              Such as 512Mi or 4Gi.
            </div>
            <FieldProblem field="memory" issues={issues} />
          </div>
        </>
      );
    case 'disks':
      return <DisksStep {...props} />;
    case 'network': {
      const declared = networksOfText(context.text);
      const host = (context.hostNetworks ?? []).filter((name) => !declared.includes(name));
      const known = [...declared, ...host];
      return (
        <div className="field">
          <label htmlFor={fieldId('network')}>Network</label>
          <select
            {...described('network', issues)}
            value={answers.network}
            onChange={(event) => {
              update({ network: event.target.value });
            }}
          >
            <option value="">None</option>
            {declared.map((name) => (
              <option key={`file-${name}`} value={name}>
                {`${name} (NovaFile)`}
              </option>
            ))}
            {host.map((name) => (
              <option key={`host-${name}`} value={name}>
                {`${name} (host)`}
              </option>
            ))}
            {answers.network !== '' && !known.includes(answers.network) ? (
              <option value={answers.network}>{answers.network}</option>
            ) : null}
          </select>
          <FieldProblem field="network" issues={issues} />
        </div>
      );
    }
    case 'firmware':
      return (
        <>
          <div role="radiogroup" aria-label="Firmware" className="choices">
            {(['bios', 'uefi'] as const).map((firmware) => (
              <label key={firmware} className="inline">
                <input
                  type="radio"
                  name="wizard-firmware"
                  checked={answers.firmware === firmware}
                  onChange={() => {
                    update({ firmware });
                  }}
                />{' '}
                {firmware === 'bios' ? 'BIOS' : 'UEFI'}
              </label>
            ))}
          </div>
          <FieldProblem field="firmware" issues={issues} />
          <label className="inline">
            <input
              type="checkbox"
              {...described('secureBoot', issues)}
              checked={answers.secureBoot}
              onChange={(event) => {
                update({ secureBoot: event.target.checked });
              }}
            />{' '}
            Secure Boot
          </label>
          <FieldProblem field="secureBoot" issues={issues} />
          <label className="inline">
            <input
              type="checkbox"
              {...described('tpm', issues)}
              checked={answers.tpm}
              onChange={(event) => {
                update({ tpm: event.target.checked });
              }}
            />{' '}
            TPM 2.0
          </label>
          <FieldProblem field="tpm" issues={issues} />
          {answers.preset === 'gpu-labs' || (answers.gpu ?? '') !== '' ? (
            <div className="field">
              <label htmlFor={fieldId('gpu')}>GPU PCI address</label>
              <input
                {...described('gpu', issues)}
                value={answers.gpu ?? ''}
                placeholder="0000:01:00.0"
                onChange={(event) => {
                  update({ gpu: event.target.value });
                }}
              />
              <FieldProblem field="gpu" issues={issues} />
            </div>
          ) : null}
        </>
      );
    case 'accelerator':
      return (
        <div className="field">
          <label htmlFor={fieldId('accelerator')}>Accelerator</label>
          <select
            {...described('accelerator', issues, 'wizard-accelerator-note')}
            value={answers.accelerator}
            onChange={(event) => {
              const value = event.target.value;
              if (value === 'auto' || value === 'kvm' || value === 'tcg') update({ accelerator: value });
            }}
          >
            <option value="auto">Auto (KVM where it works)</option>
            <option value="kvm">KVM</option>
            <option value="tcg">TCG (emulation)</option>
          </select>
          <div className="hint" id="wizard-accelerator-note">
            {context.kvmUsable ? 'KVM works on this host.' : 'KVM does not work on this host: auto uses TCG.'}
          </div>
          <FieldProblem field="accelerator" issues={issues} />
        </div>
      );
    case 'cloud-init':
      return (
        <>
          <div className="field">
            <label htmlFor={fieldId('user')}>User</label>
            <input
              {...described('user', issues)}
              value={answers.user ?? ''}
              onChange={(event) => {
                update({ user: event.target.value });
              }}
            />
            <FieldProblem field="user" issues={issues} />
          </div>
          <div className="field">
            <label htmlFor={fieldId('sshKeys')}>SSH public keys</label>
            <textarea
              {...described('sshKeys', issues, 'wizard-keys-note')}
              rows={3}
              value={answers.sshKeys.join('\n')}
              onChange={(event) => {
                update({
                  sshKeys: event.target.value
                    .split('\n')
                    .map((line) => line.trim())
                    .filter((line) => line !== ''),
                });
              }}
            />
            <div className="hint" id="wizard-keys-note">
              One key per line, such as the contents of ~/.ssh/id_ed25519.pub.
            </div>
            <FieldProblem field="sshKeys" issues={issues} />
          </div>
        </>
      );
  }
}

const MARKS = { context: ' ', added: '+', removed: '−' } as const;

function DiffView({ preview, file }: { preview: WizardPreview | undefined; file: string }) {
  const added = preview?.hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'added').length ?? 0;
  const removed = preview?.hunks.flatMap((h) => h.lines).filter((l) => l.kind === 'removed').length ?? 0;
  return (
    <section aria-labelledby="wizard-diff-title" className="wizard-diff">
      <h2 id="wizard-diff-title">Change to the NovaFile</h2>
      <p className="note">
        {file}:{' '}
        {preview === undefined || preview.hunks.length === 0
          ? 'no change yet'
          : `${added} ${added === 1 ? 'line' : 'lines'} added, ${removed} removed`}
      </p>
      <div role="region" aria-label="Diff" tabIndex={0} className="diff-box">
        <pre>
          {(preview?.hunks ?? []).map((hunk, index) => (
            <span key={index}>
              <span className="diff-hunk">{`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@\n`}</span>
              {hunk.lines.map((line, lineIndex) => (
                <span key={lineIndex} className={`diff-${line.kind}`}>
                  {`${MARKS[line.kind]} ${line.text}\n`}
                </span>
              ))}
            </span>
          ))}
        </pre>
      </div>
    </section>
  );
}

export function WizardPage({
  client,
  template,
  consent,
  pool,
}: {
  client: NovaClient;
  template?: string | undefined;
  /** The provenance checks the person accepted in the gallery, comma-separated. */
  consent?: string | undefined;
  /** The storage pool chosen in the gallery for the template's image. */
  pool?: string | undefined;
}) {
  const useWizard = useMemo(() => createWizardStore(client), [client]);
  const state = useWizard();
  const { context, answers, preview, run, loadError, previewError, stepIndex } = state;
  const [attempted, setAttempted] = useState<Set<WizardStep>>(() => new Set());
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const legendRef = useRef<HTMLLegendElement>(null);

  useEffect(() => {
    void useWizard
      .getState()
      .load(template, consent !== undefined && consent !== '')
      .then(() => {
        if (pool !== undefined && pool !== '') useWizard.getState().update({ pool });
      });
  }, [useWizard, template, consent, pool]);

  const steps = answers === undefined ? [] : stepsFor(answers.source);
  const step = steps[stepIndex] ?? 'source';

  useEffect(() => {
    legendRef.current?.focus();
  }, [stepIndex]);

  if (loadError !== undefined) {
    return (
      <section aria-labelledby="wizard-title" className="page wizard">
        <h1 id="wizard-title">New VM</h1>
        <div role="alert" className="problem">
          {loadError.message}
          {loadError.detail === undefined ? null : <div className="hint">{loadError.detail}</div>}
        </div>
      </section>
    );
  }
  if (context === undefined || answers === undefined) {
    return (
      <section aria-labelledby="wizard-title" className="page wizard">
        <h1 id="wizard-title">New VM</h1>
        <p aria-busy="true">Loading…</p>
      </section>
    );
  }

  const allIssues = preview?.issues ?? [];
  // A step's problems show once the user touched its fields or tried to leave it.
  const stepIssues = allIssues.filter(
    (issue) =>
      issue.step === step &&
      (attempted.has(step) ||
        issue.field === undefined ||
        touched.has(issue.field) ||
        issue.step === 'source'),
  );
  const update = (patch: Partial<WizardAnswers>) => {
    setTouched((before) => new Set([...before, ...Object.keys(patch)]));
    state.update(patch);
  };
  const next = async () => {
    setAttempted((before) => new Set([...before, step]));
    const judged = (await state.settled())?.issues ?? [];
    const blocking = judged.filter((issue) => issue.step === step);
    if (blocking.length > 0) {
      const first = blocking.find((issue) => issue.field !== undefined);
      if (first?.field !== undefined) document.getElementById(fieldId(first.field))?.focus();
      return;
    }
    useWizard.getState().goTo(stepIndex + 1);
  };
  const ready = preview !== undefined && allIssues.length === 0 && preview.hunks.length > 0;
  const running = run.status === 'running';
  const start = async (apply: boolean) => {
    const result = await state.start(apply);
    if (result?.applied === true && result.instanceId !== undefined)
      window.location.assign(routeHref('overview', { select: result.instanceId }));
  };
  const isLast = stepIndex === steps.length - 1;

  const body: ReactNode = (
    <StepFields
      step={step}
      answers={answers}
      context={context}
      issues={stepIssues}
      update={update}
      state={state}
    />
  );

  return (
    <section aria-labelledby="wizard-title" className="page wizard">
      <header className="page-header">
        <h1 id="wizard-title">New VM</h1>
      </header>
      {context.warnings.map((warning) => (
        <p key={warning} className="note">
          {warning}
        </p>
      ))}
      <div className="wizard-layout">
        <div className="wizard-main">
          <nav aria-label="Wizard steps">
            <ol className="wizard-steps">
              {steps.map((candidate, index) => {
                const problem =
                  allIssues.some((issue) => issue.step === candidate) && attempted.has(candidate);
                return (
                  <li key={candidate}>
                    <button
                      type="button"
                      aria-current={index === stepIndex ? 'step' : undefined}
                      onClick={() => {
                        state.goTo(index);
                      }}
                    >
                      {`${index + 1}. ${WIZARD_STEP_TITLES[candidate]}${problem ? ' (needs a fix)' : ''}`}
                    </button>
                  </li>
                );
              })}
            </ol>
          </nav>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              void next();
            }}
          >
            <fieldset
              aria-describedby={
                stepIssues.some((i) => i.field === undefined) ? 'wizard-step-error' : undefined
              }
            >
              <legend ref={legendRef} tabIndex={-1}>
                {`Step ${stepIndex + 1} of ${steps.length}: ${WIZARD_STEP_TITLES[step]}`}
              </legend>
              {body}
              {stepIssues.some((issue) => issue.field === undefined) ? (
                <div id="wizard-step-error" className="field-problem">
                  {stepIssues
                    .filter((issue) => issue.field === undefined)
                    .map((issue) => (
                      <div key={issue.message} style={{ whiteSpace: 'pre-wrap' }}>
                        {issue.message}
                        {issue.hint === undefined ? null : <div className="hint">{issue.hint}</div>}
                      </div>
                    ))}
                </div>
              ) : null}
            </fieldset>
            <div className="wizard-nav">
              <button
                type="button"
                disabled={stepIndex === 0}
                onClick={() => {
                  state.goTo(stepIndex - 1);
                }}
              >
                Back
              </button>
              {isLast ? null : <button type="submit">Next</button>}
            </div>
          </form>
          {previewError === undefined ? null : (
            <div role="alert" className="problem">
              {previewError.message}
            </div>
          )}
          <section aria-labelledby="wizard-apply-title" className="wizard-apply">
            <h2 id="wizard-apply-title">Write</h2>
            <p className="note">
              Dry run: nothing is written until you choose. “Write and apply” writes the section and makes the
              VM; if that fails, the section is taken out again.
            </p>
            {allIssues.length > 0 ? (
              <p className="note">{`${allIssues.length} ${allIssues.length === 1 ? 'answer needs' : 'answers need'} a fix first (${[...new Set(allIssues.map((i) => WIZARD_STEP_TITLES[i.step]))].join(', ')}).`}</p>
            ) : null}
            <div className="wizard-nav">
              <button type="button" disabled={!ready || running} onClick={() => void start(true)}>
                Write and apply
              </button>
              <button type="button" disabled={!ready || running} onClick={() => void start(false)}>
                Write only
              </button>
            </div>
            {run.status === 'idle' ? null : (
              <div className="wizard-progress">
                <p role="status">
                  {run.status === 'running'
                    ? run.apply
                      ? 'Writing and applying…'
                      : 'Writing…'
                    : run.status === 'done'
                      ? run.result?.applied === true
                        ? `VM "${answers.name}" is made.`
                        : `Written to ${run.result?.file ?? context.file}.`
                      : 'Failed.'}
                </p>
                <ol aria-label="Progress">
                  {run.progress.map((line, index) => (
                    <li key={index} className={`progress-${line.status}`}>
                      {line.total === undefined
                        ? line.message
                        : `[${(line.index ?? 0) + 1}/${line.total}] ${line.message}`}
                      {line.status === 'done' ? ': done' : line.status === 'failed' ? ': failed' : ''}
                    </li>
                  ))}
                </ol>
                {run.error === undefined ? null : (
                  <div role="alert" className="problem">
                    {run.error.message}
                    {run.error.detail === undefined ? null : <div className="hint">{run.error.detail}</div>}
                  </div>
                )}
              </div>
            )}
          </section>
        </div>
        <DiffView preview={preview} file={context.file} />
      </div>
    </section>
  );
}
