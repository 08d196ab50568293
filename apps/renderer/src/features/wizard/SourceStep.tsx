// The wizard's first step: where the VM comes from (a template, an ISO installer, a disk image, the
// tiny test guest), what that source needs, and the optional preset.
import { WizardPreset, type WizardSourceKind } from '@nova/core';

import { described, fieldId, FieldProblem } from './fields.js';
import type { StepProps } from './step-props.js';

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

export function SourceStep({ answers, context, issues, update, state }: StepProps) {
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
