// The template gallery: every template of the built-in and the configured registries, searchable and
// filtered by kind, OS and tag; the one selected (`#/templates?select=<id>`) in detail with its
// provenance badges (text, not colour alone). A VM template's "Deploy" opens the wizard on it
// (`#/wizard?template=<id>`, with `&pool=<pool>` when another storage pool than nova-disks is chosen
// for its image); a container stack deploys in place ("Deploy stack": write only, or write
// and apply, with progress and the result). A template that failed a check needs the consent
// checkbox, which names the failed checks, first.
import './templates.css';

import {
  type CatalogEntry,
  describePoolChoice,
  NAME_PATTERN,
  NAME_RULE,
  type NovaErrorData,
  type ProvenanceCheck,
  type ProvenanceCheckName,
  type StoragePoolChoice,
  toErrorData,
} from '@nova/core';
import { useEffect, useId, useMemo, useState } from 'react';

import type { NovaClient } from '../../api/client.js';
import { useClient } from '../../shell/client-context.js';
import { routeHref } from '../../shell/routes.js';
import {
  createStackDeployStore,
  createTemplatesStore,
  filterChoices,
  filterTemplates,
  NO_FILTERS,
  type TemplateFilters,
} from '../../stores/templates.js';

const CHECK_TITLES: Record<ProvenanceCheckName, string> = {
  checksum: 'Checksum',
  signature: 'Signature',
  publisher: 'Publisher',
  source: 'Source',
};

const STATUS_WORDS: Record<ProvenanceCheck['status'], { icon: string; text: string }> = {
  passed: { icon: '✓', text: 'verified' },
  failed: { icon: '✗', text: 'failed' },
  pending: { icon: '…', text: 'checked at deploy' },
  'not-applicable': { icon: '–', text: 'not applicable' },
};

const KIND_WORDS = { vm: 'VM', 'container-stack': 'Container stack' } as const;

function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let amount = value;
  let unit = 0;
  while (amount >= 1024 && unit < units.length - 1) {
    amount /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(amount) ? String(amount) : amount.toFixed(1)} ${units[unit] ?? 'B'}`;
}

function Badge({ name, check }: { name: ProvenanceCheckName; check: ProvenanceCheck }) {
  const words = STATUS_WORDS[check.status];
  return (
    <li className={`badge badge-${check.status}`}>
      <span aria-hidden="true" className="badge-icon">
        {words.icon}
      </span>{' '}
      <strong>
        {CHECK_TITLES[name]}: {words.text}
      </strong>
      <span className="badge-detail"> — {check.detail}</span>
    </li>
  );
}

function summary(entry: CatalogEntry): string {
  return entry.failedChecks.length === 0
    ? 'No failed checks'
    : `Failed: ${entry.failedChecks.map((check) => CHECK_TITLES[check].toLowerCase()).join(', ')}`;
}

function StackDeploy({ entry, consent }: { entry: CatalogEntry; consent: boolean }) {
  const client = useClient();
  const useDeploy = useMemo(() => createStackDeployStore(client), [client]);
  const { status, apply, progress, result, error, deploy } = useDeploy();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'apply' | 'write'>('apply');
  const [tried, setTried] = useState(false);
  const id = useId();
  const failed = entry.failedChecks;
  const nameProblem =
    name === ''
      ? 'Give the stack a name: its containers and networks are named "<name>-…".'
      : NAME_PATTERN.test(name)
        ? undefined
        : `"${name}" is not a valid name: a name is ${NAME_RULE}.`;
  const showProblem = nameProblem !== undefined && (tried || name !== '');
  const running = status === 'running';
  const canDeploy = !running && (failed.length === 0 || consent);
  const overview = result?.instanceIds[0];
  return (
    <section className="stack-deploy" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Deploy stack</h3>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setTried(true);
          if (nameProblem !== undefined || !canDeploy) {
            document.getElementById(`${id}-name`)?.focus();
            return;
          }
          void deploy({
            id: entry.template.id,
            name,
            consent: consent ? failed : [],
            apply: mode === 'apply',
          });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-name`}>Stack name</label>
          <input
            id={`${id}-name`}
            value={name}
            autoComplete="off"
            aria-invalid={showProblem ? 'true' : undefined}
            aria-describedby={showProblem ? `${id}-name-problem` : `${id}-name-hint`}
            onChange={(event) => {
              setName(event.target.value);
            }}
          />
          {showProblem ? (
            <div id={`${id}-name-problem`} className="field-problem">
              {nameProblem}
            </div>
          ) : (
            <div id={`${id}-name-hint`} className="hint">
              Its containers and networks are named {name === '' ? 'NAME' : name}-
              {Object.keys(entry.template.kind === 'container-stack' ? entry.template.containers : {})[0] ??
                'app'}{' '}
              and so on.
            </div>
          )}
        </div>
        <fieldset className="choices">
          <legend>What to do</legend>
          <label className="inline">
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === 'apply'}
              onChange={() => {
                setMode('apply');
              }}
            />{' '}
            Write and apply (create and start the containers)
          </label>
          <label className="inline">
            <input
              type="radio"
              name={`${id}-mode`}
              checked={mode === 'write'}
              onChange={() => {
                setMode('write');
              }}
            />{' '}
            Write only (run nova apply later)
          </label>
        </fieldset>
        <div className="template-actions">
          <button type="submit" disabled={!canDeploy}>
            {running ? 'Deploying…' : 'Deploy stack'}
          </button>
        </div>
      </form>
      {status === 'idle' ? null : (
        <div className="stack-progress">
          <p role="status">
            {status === 'running'
              ? apply
                ? 'Writing and applying…'
                : 'Writing…'
              : status === 'done'
                ? result?.applied === true
                  ? `Stack "${result.name}" is deployed and running.`
                  : `Written to ${result?.file ?? 'the NovaFile'}; run nova apply to create it.`
                : 'Deploy failed.'}
          </p>
          <ol aria-label="Progress">
            {progress.map((line, index) => (
              <li key={index} className={`progress-${line.status}`}>
                {line.total === undefined
                  ? line.message
                  : `[${String((line.index ?? 0) + 1)}/${String(line.total)}] ${line.message}`}
                {line.status === 'done' ? ': done' : line.status === 'failed' ? ': failed' : ''}
              </li>
            ))}
          </ol>
          {error === undefined ? null : (
            <div role="alert" className="problem">
              {error.message}
              {error.detail === undefined ? null : <div className="hint">{error.detail}</div>}
            </div>
          )}
          {result === undefined ? null : (
            <dl className="template-facts" aria-label="Result">
              <dt>Written</dt>
              <dd>
                {result.sections.map((section) => `[${section}]`).join(', ')} in <code>{result.file}</code>
              </dd>
              {result.applied ? (
                <>
                  <dt>Created</dt>
                  <dd>{result.done.length === 0 ? 'nothing (it existed)' : result.done.join(', ')}</dd>
                </>
              ) : null}
              {result.consentedTo.length === 0 ? null : (
                <>
                  <dt>Consent</dt>
                  <dd>deployed although its {result.consentedTo.join(' and ')} check failed</dd>
                </>
              )}
              {result.left === 0 ? null : (
                <>
                  <dt>Left</dt>
                  <dd>{result.left} other changes of the NovaFile are left for nova apply</dd>
                </>
              )}
            </dl>
          )}
          {overview === undefined ? null : (
            <p>
              <a href={routeHref('overview', { select: overview })}>Show the stack in the overview</a>
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** The host's storage pools for a VM template's image, the default (nova-disks) first. */
function usePools(client: NovaClient, wanted: boolean) {
  const [pools, setPools] = useState<StoragePoolChoice[] | undefined>(undefined);
  const [error, setError] = useState<NovaErrorData | undefined>(undefined);
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    client.call('templates.pools', {}).then(
      (result) => {
        if (current) setPools(result.pools);
      },
      (err: unknown) => {
        if (current) setError(toErrorData(err));
      },
    );
    return () => {
      current = false;
    };
  }, [client, wanted]);
  return { pools, error };
}

function PoolChoice({
  pools,
  error,
  value,
  onChange,
}: {
  pools: StoragePoolChoice[] | undefined;
  error: NovaErrorData | undefined;
  value: string;
  onChange: (pool: string) => void;
}) {
  const id = useId();
  return (
    <div className="field template-pool">
      <label htmlFor={`${id}-pool`}>Storage pool</label>
      <select
        id={`${id}-pool`}
        value={value}
        disabled={pools === undefined}
        aria-describedby={`${id}-pool-hint`}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      >
        {pools === undefined ? (
          <option value="">{error === undefined ? 'Loading…' : 'nova-disks'}</option>
        ) : null}
        {(pools ?? []).map((pool) => (
          <option key={pool.name} value={pool.name}>
            {describePoolChoice(pool)}
          </option>
        ))}
      </select>
      <div id={`${id}-pool-hint`} className="hint">
        {error === undefined
          ? 'Where its image is copied: the VM’s system disk. You can change it in the wizard too.'
          : `The storage pools could not be read (${error.message}); the wizard uses nova-disks unless you choose another.`}
      </div>
    </div>
  );
}

function TemplateDetails({ entry }: { entry: CatalogEntry }) {
  const client = useClient();
  const { template } = entry;
  const [consent, setConsent] = useState(false);
  const { pools, error: poolsError } = usePools(client, template.kind === 'vm');
  const [pool, setPool] = useState<string | undefined>(undefined);
  const defaultPool = pools?.find((choice) => choice.isDefault)?.name;
  const chosenPool = pool ?? defaultPool ?? '';
  const failed = entry.failedChecks;
  const canDeploy = failed.length === 0 || consent;
  const params: Record<string, string> = { template: template.id };
  if (failed.length > 0) params['consent'] = failed.join(',');
  if (chosenPool !== '' && chosenPool !== defaultPool) params['pool'] = chosenPool;
  return (
    <article className="template-details" aria-labelledby="template-details-title">
      <h2 id="template-details-title">{template.name}</h2>
      <dl className="template-facts">
        <dt>Id</dt>
        <dd>
          <code>{template.id}</code> (version {template.version})
        </dd>
        <dt>Kind</dt>
        <dd>{KIND_WORDS[template.kind]}</dd>
        <dt>OS</dt>
        <dd>
          {`${template.os} ${template.os_version}`.trim()} ({template.arch})
        </dd>
        <dt>Publisher</dt>
        <dd>
          {template.publisher.name}
          {template.publisher.key === undefined ? ' (no key)' : ` (key ${template.publisher.key})`}
        </dd>
        <dt>Registry</dt>
        <dd>{entry.registry.name}</dd>
        <dt>Minimum</dt>
        <dd>
          {template.minimum.cpu} vCPU, {bytes(template.minimum.memory)} memory, {bytes(template.minimum.disk)}{' '}
          disk
        </dd>
        {template.kind === 'vm' ? (
          <>
            <dt>Defaults</dt>
            <dd>
              {template.defaults.cpu} vCPU, {bytes(template.defaults.memory)} memory,{' '}
              {bytes(template.defaults.disk_size)} disk, {template.defaults.firmware.toUpperCase()}
              {template.defaults.cloud_init ? ', cloud-init' : ''}
            </dd>
            <dt>Image</dt>
            <dd className="template-url">{template.image.url}</dd>
          </>
        ) : (
          <>
            <dt>Containers</dt>
            <dd>{Object.keys(template.containers).join(', ')}</dd>
          </>
        )}
        {template.tags.length === 0 ? null : (
          <>
            <dt>Tags</dt>
            <dd>{template.tags.join(', ')}</dd>
          </>
        )}
      </dl>
      {template.description === '' ? null : <p>{template.description}</p>}
      <h3 id="provenance-title">Provenance</h3>
      <ul className="badges" aria-labelledby="provenance-title">
        {(['checksum', 'signature', 'publisher', 'source'] as const).map((name) => (
          <Badge key={name} name={name} check={entry.provenance[name]} />
        ))}
      </ul>
      {failed.length === 0 ? null : (
        <div className="consent" role="group" aria-label="Consent">
          <p role="alert" className="problem">
            This template failed {failed.length === 1 ? 'a check' : `${String(failed.length)} checks`}:{' '}
            {failed.map((check) => CHECK_TITLES[check].toLowerCase()).join(', ')}.
          </p>
          <label>
            <input
              type="checkbox"
              checked={consent}
              onChange={(event) => {
                setConsent(event.target.checked);
              }}
            />{' '}
            Deploy anyway: I accept that the{' '}
            {failed.map((check) => CHECK_TITLES[check].toLowerCase()).join(' and ')}{' '}
            {failed.length === 1 ? 'check' : 'checks'} failed
          </label>
        </div>
      )}
      {template.kind === 'container-stack' ? (
        <StackDeploy entry={entry} consent={consent} />
      ) : (
        <div className="template-actions">
          <PoolChoice pools={pools} error={poolsError} value={chosenPool} onChange={setPool} />
          <button
            type="button"
            disabled={!canDeploy}
            onClick={() => {
              window.location.assign(routeHref('wizard', params));
            }}
          >
            Deploy…
          </button>
        </div>
      )}
    </article>
  );
}

export function TemplatesPage({ selected }: { selected?: string | undefined }) {
  const client = useClient();
  const useTemplates = useMemo(() => createTemplatesStore(client), [client]);
  const { catalog, loading, error, refresh } = useTemplates();
  const [filters, setFilters] = useState<TemplateFilters>(NO_FILTERS);

  useEffect(() => {
    void useTemplates.getState().refresh();
  }, [useTemplates]);

  const entries = useMemo(() => catalog?.templates ?? [], [catalog]);
  const shown = useMemo(() => filterTemplates(entries, filters), [entries, filters]);
  const choices = useMemo(() => filterChoices(entries), [entries]);
  const current = entries.find((entry) => entry.template.id === selected);
  const set = (change: Partial<TemplateFilters>) => {
    setFilters((before) => ({ ...before, ...change }));
  };

  return (
    <section aria-labelledby="templates-title" className="page templates-page">
      <header className="page-header">
        <h1 id="templates-title">Templates</h1>
        <span className="count" aria-live="polite">
          {catalog === undefined
            ? ''
            : `${String(shown.length)} of ${String(entries.length)} ${entries.length === 1 ? 'template' : 'templates'}`}
        </span>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
        </div>
      )}
      {(catalog?.problems ?? []).map((problem) => (
        <div key={problem} role="alert" className="problem">
          {problem}
        </div>
      ))}
      <form
        className="template-filters"
        aria-label="Filter templates"
        onSubmit={(event) => {
          event.preventDefault();
        }}
      >
        <label>
          Search{' '}
          <input
            type="search"
            value={filters.search}
            placeholder="name, OS, tag…"
            onChange={(event) => {
              set({ search: event.target.value });
            }}
          />
        </label>
        <label>
          Kind{' '}
          <select
            value={filters.kind}
            onChange={(event) => {
              const value = event.target.value;
              set({ kind: value === 'vm' || value === 'container-stack' ? value : '' });
            }}
          >
            <option value="">All kinds</option>
            <option value="vm">VM</option>
            <option value="container-stack">Container stack</option>
          </select>
        </label>
        <label>
          OS{' '}
          <select
            value={filters.os}
            onChange={(event) => {
              set({ os: event.target.value });
            }}
          >
            <option value="">All OSes</option>
            {choices.os.map((os) => (
              <option key={os} value={os}>
                {os}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag{' '}
          <select
            value={filters.tag}
            onChange={(event) => {
              set({ tag: event.target.value });
            }}
          >
            <option value="">All tags</option>
            {choices.tags.map((tag) => (
              <option key={tag} value={tag}>
                {tag}
              </option>
            ))}
          </select>
        </label>
      </form>
      {catalog === undefined && loading ? <p aria-busy="true">Loading templates…</p> : null}
      {catalog !== undefined && shown.length === 0 ? <p>No template matches these filters.</p> : null}
      <div className="templates-layout">
        <ul className="template-list" aria-label="Templates">
          {shown.map((entry) => {
            const isSelected = entry.template.id === current?.template.id;
            return (
              <li
                key={entry.template.id}
                className={`template-card${isSelected ? ' selected' : ''}`}
                aria-current={isSelected ? 'true' : undefined}
              >
                <a href={routeHref('templates', { select: entry.template.id })}>{entry.template.name}</a>
                <span className="template-meta">
                  {KIND_WORDS[entry.template.kind]} ·{' '}
                  {`${entry.template.os} ${entry.template.os_version}`.trim()} · {entry.registry.name}
                </span>
                <span className={entry.failedChecks.length === 0 ? 'template-ok' : 'template-failed'}>
                  <span aria-hidden="true">{entry.failedChecks.length === 0 ? '✓ ' : '✗ '}</span>
                  {summary(entry)}
                </span>
              </li>
            );
          })}
        </ul>
        {current === undefined ? null : <TemplateDetails key={current.template.id} entry={current} />}
      </div>
    </section>
  );
}
