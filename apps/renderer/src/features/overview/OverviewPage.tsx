import './overview.css';

import {
  type Instance,
  INSTANCE_ACTIONS,
  type InstanceAction,
  type InstanceState,
  type SourceId,
  type SourceStatus,
} from '@nova/core';
import { useCallback, useEffect, useMemo, useState } from 'react';

import type { NovaClient } from '../../api/client.js';
import { useClient } from '../../shell/client-context.js';
import { parseRoute, routeHref } from '../../shell/routes.js';
import type { InstancesStore } from '../../stores/instances.js';
import { useAllInstanceLoads } from '../../stores/metrics.js';
import { type ActionsStore, createActionsStore } from '../../stores/overview-actions.js';
import { createFactsStore, type FactsStore } from '../../stores/overview-facts.js';
import {
  ACTION_LABELS,
  describeDeletion,
  filterInstances,
  networksOf,
  nextSort,
  NO_FILTER,
  type OverviewFilter,
  pruneSelection,
  type Sort,
  sortInstances,
  STATE_LABELS,
  toggleAll,
  toggleSelection,
} from '../../stores/overview-view.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { DetailPane } from './DetailPane.js';
import { InstanceTable } from './InstanceTable.js';
import { VmDisks } from './VmDisks.js';

const SOURCE_LABELS: Record<SourceId, string> = {
  libvirt: 'libvirt',
  bolt: 'Bolt',
  docker: 'Docker',
  podman: 'Podman',
};

const SOURCE_STATUS_LABELS: Record<SourceStatus['status'], string> = {
  ok: 'Reachable',
  unavailable: 'Unavailable',
  absent: 'Not running',
};

function sourceDetail(source: SourceStatus): string {
  const via = source.via === 'helper' ? ' via Nova’s helper' : '';
  if (source.status === 'absent') return `nothing at ${source.endpoint}`;
  if (source.status === 'unavailable') return source.error?.message ?? `no answer at ${source.endpoint}`;
  const count = source.count ?? 0;
  const what =
    source.id === 'libvirt' ? (count === 1 ? 'VM' : 'VMs') : count === 1 ? 'container' : 'containers';
  return `${count} ${what}${via}`;
}

/** Every source of instances and how it answered, not only the ones that failed. */
export function Sources({
  sources,
  live = {},
}: {
  sources: SourceStatus[];
  live?: Partial<Record<SourceId, boolean>>;
}) {
  if (sources.length === 0) return null;
  return (
    <ul className="sources" aria-label="Engines">
      {sources.map((source) => (
        <li key={source.id} className={`source source-${source.status}`} title={source.endpoint}>
          <span className="source-name">{SOURCE_LABELS[source.id]}</span>
          <span className="source-status">{SOURCE_STATUS_LABELS[source.status]}</span>
          <span className="source-detail">{sourceDetail(source)}</span>
          {live[source.id] === undefined ? null : (
            <span
              className={live[source.id] === true ? 'source-live' : 'source-not-live'}
              title={
                live[source.id] === true
                  ? 'Changes made here show as they happen'
                  : 'Nova cannot follow changes here now: use Refresh'
              }
            >
              {live[source.id] === true ? 'Live' : 'Not live'}
            </span>
          )}
          {source.error?.detail === undefined ? null : <div className="hint">{source.error.detail}</div>}
        </li>
      ))}
    </ul>
  );
}

// One set of row actions and facts per instances store: they outlive a visit to another page. They act
// through `client`, the one the instances store lists through.
const companions = new WeakMap<InstancesStore, { useActions: ActionsStore; useFacts: FactsStore }>();
function companionsOf(useInstances: InstancesStore, client: NovaClient) {
  let found = companions.get(useInstances);
  if (found === undefined) {
    found = {
      useActions: createActionsStore(client, (change) => {
        useInstances.getState().applyChange(change);
      }),
      useFacts: createFactsStore(client),
    };
    companions.set(useInstances, found);
  }
  return found;
}

/** Running rows without an address (DHCP comes after boot) and failed reads are asked again this often. */
const FACTS_POLL_MS = 5000;
const noLoad = () => undefined;

function useSelectParam(): string | undefined {
  const [select, setSelect] = useState(() => parseRoute(location.hash).params['select']);
  useEffect(() => {
    const changed = () => {
      setSelect(parseRoute(location.hash).params['select']);
    };
    addEventListener('hashchange', changed);
    return () => {
      removeEventListener('hashchange', changed);
    };
  }, []);
  return select;
}

interface PendingDeletion {
  instances: Instance[];
}

export function OverviewPage({ useInstances }: { useInstances: InstancesStore }) {
  const client = useClient();
  const { instances, sources, live, loading, error, loadedAt, lastChange, refresh, load } = useInstances();
  const { useActions, useFacts } = companionsOf(useInstances, client);
  const { running, failures, notice, run, runMany, dismiss } = useActions();
  const { facts, sync } = useFacts();

  const [filter, setFilter] = useState<OverviewFilter>(NO_FILTER);
  const [sort, setSort] = useState<Sort>({ key: 'name', direction: 'ascending' });
  const [chosen, setSelected] = useState<Set<string>>(() => new Set());
  // The open instance: the address's ?select= until the user opens another under that same address.
  const [picked, setPicked] = useState<{ id: string | undefined; under: string | undefined }>({
    id: undefined,
    under: undefined,
  });
  const [deletion, setDeletion] = useState<PendingDeletion | undefined>();
  const [removeDisks, setRemoveDisks] = useState(false);
  const select = useSelectParam();

  // Lists when the page opens: joins the listing the app started, if it still runs.
  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    void sync(instances);
    const timer = setInterval(() => {
      void sync(useInstances.getState().instances);
    }, FACTS_POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [instances, sync, useInstances]);

  // Rows that are gone leave the selection.
  const selected = useMemo(() => pruneSelection(chosen, instances), [chosen, instances]);
  // #/overview?select=<id>: that row is the current one, brought into view, with its pane open.
  const fromAddress = picked.under !== select;
  const current = fromAddress ? select : picked.id;

  const factsOf = useCallback((id: string) => facts[id], [facts]);
  // Sorting by load follows it live (as `top` does); other sorts do not wait for every sample.
  const byLoad = sort.key === 'cpu' || sort.key === 'memory';
  const loads = useAllInstanceLoads(client, byLoad);
  const loadOf = useMemo(() => (byLoad ? (id: string) => loads[id] : noLoad), [byLoad, loads]);
  const rows = useMemo(
    () => sortInstances(filterInstances(instances, factsOf, filter), sort, factsOf, loadOf),
    [instances, factsOf, filter, sort, loadOf],
  );
  const networks = useMemo(() => networksOf(instances, factsOf), [instances, factsOf]);
  const states = useMemo(() => [...new Set(instances.map((instance) => instance.state))].sort(), [instances]);
  const currentInstance = instances.find((instance) => instance.id === current);
  const selectedInstances = instances.filter((instance) => selected.has(instance.id));

  const open = (id: string) => {
    const next = current === id ? undefined : id;
    setPicked({ id: next, under: select });
    // The address names the open instance, so it can be bookmarked or shared; no new history entry.
    history.replaceState(null, '', routeHref('overview', next === undefined ? {} : { select: next }));
  };
  const act = (instance: Instance, action: InstanceAction) => {
    if (action === 'delete') {
      setRemoveDisks(false);
      setDeletion({ instances: [instance] });
    } else void run(instance, action);
  };
  const actOnSelection = (action: InstanceAction) => {
    if (action === 'delete') {
      setRemoveDisks(false);
      setDeletion({ instances: selectedInstances });
    } else void runMany(selectedInstances, action);
  };
  const confirmDeletion = () => {
    if (deletion === undefined) return;
    const { instances: doomed } = deletion;
    setDeletion(undefined);
    if (doomed.length === 1 && doomed[0] !== undefined) void run(doomed[0], 'delete', { removeDisks });
    else void runMany(doomed, 'delete', { removeDisks });
  };

  const shownCount = `${rows.length === instances.length ? '' : `${rows.length} of `}${instances.length} ${
    instances.length === 1 ? 'instance' : 'instances'
  }`;
  const withVms = deletion?.instances.some((instance) => instance.kind === 'vm') ?? false;

  return (
    <section aria-labelledby="instances-heading" className="page overview">
      <header className="page-header">
        <h1 id="instances-heading">Instances</h1>
        <span className="count" aria-live="polite">
          {loadedAt === undefined ? '' : shownCount}
        </span>
        <span className="last-change" role="status">
          {lastChange === undefined ? '' : `Last change: ${lastChange}`}
        </span>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Refreshing…' : 'Refresh'}
        </button>
        <a href={routeHref('wizard')}>New VM</a>
      </header>
      {error === undefined ? null : (
        <div role="alert" className="problem">
          {error.message}
          {error.detail === undefined ? null : <div className="hint">{error.detail}</div>}
        </div>
      )}
      <Sources sources={sources} live={live} />
      <div className="filters" role="search" aria-label="Filter instances">
        <label>
          Filter{' '}
          <input
            type="search"
            value={filter.text}
            placeholder="name, image, address…"
            onChange={(event) => {
              setFilter({ ...filter, text: event.target.value });
            }}
          />
        </label>
        <label>
          Kind{' '}
          <select
            value={filter.kind}
            onChange={(event) => {
              setFilter({ ...filter, kind: event.target.value as OverviewFilter['kind'] });
            }}
          >
            <option value="all">All</option>
            <option value="vm">VMs</option>
            <option value="container">Containers</option>
          </select>
        </label>
        <label>
          State{' '}
          <select
            value={filter.state}
            onChange={(event) => {
              setFilter({ ...filter, state: event.target.value as OverviewFilter['state'] });
            }}
          >
            <option value="all">All</option>
            {states.map((state: InstanceState) => (
              <option key={state} value={state}>
                {STATE_LABELS[state]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Network{' '}
          <select
            value={filter.network}
            onChange={(event) => {
              setFilter({ ...filter, network: event.target.value });
            }}
          >
            <option value="">All</option>
            {networks.map((network) => (
              <option key={network} value={network}>
                {network}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={filter.runningOnly}
            onChange={(event) => {
              setFilter({ ...filter, runningOnly: event.target.checked });
            }}
          />{' '}
          Running only
        </label>
      </div>
      {selected.size === 0 ? null : (
        <div className="bulk" role="toolbar" aria-label="Actions on the selection">
          <span>{`${selected.size} selected`}</span>
          {INSTANCE_ACTIONS.map((action) => (
            <button
              key={action}
              type="button"
              className={action === 'delete' || action === 'force-off' ? 'small danger' : 'small'}
              onClick={() => {
                actOnSelection(action);
              }}
            >
              {ACTION_LABELS[action]}
            </button>
          ))}
          <button
            type="button"
            className="small"
            onClick={() => {
              setSelected(new Set());
            }}
          >
            Clear selection
          </button>
        </div>
      )}
      {notice === undefined ? null : (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {loadedAt === undefined && loading ? <p aria-busy="true">Loading instances…</p> : null}
      {loadedAt !== undefined && instances.length === 0 ? (
        <p className="empty">No virtual machines or containers on this host yet.</p>
      ) : null}
      <div className={currentInstance === undefined ? 'overview-body' : 'overview-body with-pane'}>
        {instances.length > 0 ? (
          rows.length === 0 ? (
            <p className="empty">No instance matches the filter.</p>
          ) : (
            <InstanceTable
              rows={rows}
              facts={facts}
              sort={sort}
              onSort={(key) => {
                setSort(nextSort(sort, key));
              }}
              selected={selected}
              onToggle={(id) => {
                setSelected(toggleSelection(selected, id));
              }}
              onToggleAll={() => {
                setSelected(toggleAll(selected, rows));
              }}
              current={current}
              onOpen={open}
              running={running}
              failures={failures}
              onAction={act}
              onDismiss={dismiss}
              revealId={fromAddress ? select : undefined}
            />
          )
        ) : null}
        {currentInstance === undefined ? null : (
          <DetailPane
            instance={currentInstance}
            focusOnOpen={!fromAddress}
            onClose={() => {
              const { id } = currentInstance;
              open(id);
              // Back to the row the pane belongs to.
              document
                .querySelector<HTMLButtonElement>(`tr[data-instance-id="${CSS.escape(id)}"] .row-open`)
                ?.focus();
            }}
          />
        )}
      </div>
      {deletion === undefined ? null : (
        <ConfirmDialog
          title={
            deletion.instances.length === 1
              ? `Delete ${deletion.instances[0]?.kind === 'vm' ? 'VM' : 'container'} “${deletion.instances[0]?.name ?? ''}”?`
              : `Delete ${deletion.instances.length} instances?`
          }
          confirmLabel="Delete"
          onConfirm={confirmDeletion}
          onCancel={() => {
            setDeletion(undefined);
          }}
        >
          <p>This deletes:</p>
          <ul className="deletion-list">
            {describeDeletion(deletion.instances, removeDisks).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {deletion.instances.length === 1 && deletion.instances[0]?.kind === 'vm' ? (
            <VmDisks id={deletion.instances[0].id} />
          ) : null}
          {withVms ? (
            <label className="inline">
              <input
                type="checkbox"
                checked={removeDisks}
                onChange={(event) => {
                  setRemoveDisks(event.target.checked);
                }}
              />{' '}
              Also delete the disk images Nova created for{' '}
              {deletion.instances.length === 1 ? 'this VM' : 'these VMs'} (images Nova did not create are
              always kept)
            </label>
          ) : null}
          <p>This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
