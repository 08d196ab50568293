// Every instance in one table, virtualized: only the rows in view (and a few around) are in the page,
// yet it stays a real table (aria-rowcount, aria-rowindex) for screen readers and for tests by role.
import type { Instance, InstanceAction, InstanceFacts } from '@nova/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, useEffect, useRef } from 'react';

import { useClient } from '../../shell/client-context.js';
import { useInstanceLoad } from '../../stores/metrics.js';
import type { ActionsState } from '../../stores/overview-actions.js';
import {
  ACTION_LABELS,
  ACTION_PROGRESS,
  actionsFor,
  autostartLabel,
  engineLabel,
  formatBytes,
  kindLabel,
  originLabel,
  type Sort,
  type SortKey,
  STATE_LABELS,
} from '../../stores/overview-view.js';
import { Sparkline } from './Sparkline.js';

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: 'kind', label: 'Kind' },
  { key: 'engine', label: 'Engine or hypervisor' },
  { key: 'state', label: 'State' },
  { key: 'cpu', label: 'CPU' },
  { key: 'memory', label: 'Memory' },
  { key: 'addresses', label: 'Addresses' },
  { key: 'network', label: 'Network' },
  { key: 'origin', label: 'Origin' },
  { key: 'autostart', label: 'Autostart' },
];
/** Checkbox, the sortable columns, actions. */
const COLUMN_COUNT = COLUMNS.length + 2;
const ROW_HEIGHT = 40;
/**
 * Up to this many rows are all in the page (the browser's find and a full accessibility tree work on
 * them, at no cost worth saving); beyond it only the rows in view and 20 either side are.
 */
const RENDER_ALL_UP_TO = 150;

export interface InstanceTableProps {
  rows: readonly Instance[];
  facts: Record<string, InstanceFacts>;
  sort: Sort;
  onSort: (key: SortKey) => void;
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
  onToggleAll: () => void;
  current: string | undefined;
  onOpen: (id: string) => void;
  running: ActionsState['running'];
  failures: ActionsState['failures'];
  onAction: (instance: Instance, action: InstanceAction) => void;
  onDismiss: (id: string) => void;
  /** A row to bring into view (the one the address selects). */
  revealId: string | undefined;
}

function LoadCells({ id }: { id: string }) {
  const load = useInstanceLoad(useClient(), id);
  return (
    <>
      <td className="num">
        {load?.cpuPercent === undefined ? (
          <span aria-label="no data">–</span>
        ) : (
          <>
            {`${load.cpuPercent.toFixed(0)} %`}
            <Sparkline values={load.cpuHistory} />
          </>
        )}
      </td>
      <td className="num">
        {load?.memoryBytes === undefined ? (
          <span aria-label="no data">–</span>
        ) : (
          formatBytes(load.memoryBytes)
        )}
      </td>
    </>
  );
}

function Row({
  instance,
  index,
  facts,
  props,
  measure,
}: {
  instance: Instance;
  index: number;
  facts: InstanceFacts | undefined;
  props: InstanceTableProps;
  measure: (element: HTMLTableRowElement | null) => void;
}) {
  const busy = props.running[instance.id];
  const failure = props.failures[instance.id];
  const isCurrent = props.current === instance.id;
  return (
    <tr
      ref={measure}
      aria-rowindex={index + 2}
      data-instance-id={instance.id}
      aria-selected={props.selected.has(instance.id)}
      className={isCurrent ? 'row current' : 'row'}
      data-index={index}
    >
      <td className="check">
        <input
          type="checkbox"
          aria-label={`Select ${instance.name}`}
          checked={props.selected.has(instance.id)}
          onChange={() => {
            props.onToggle(instance.id);
          }}
        />
      </td>
      <th scope="row">
        <button
          type="button"
          className="link-button row-open"
          aria-expanded={isCurrent}
          aria-controls={isCurrent ? 'instance-pane' : undefined}
          onClick={() => {
            props.onOpen(instance.id);
          }}
        >
          {instance.name}
        </button>
      </th>
      <td>{kindLabel(instance)}</td>
      <td>{engineLabel(instance)}</td>
      <td>
        <span className={`state state-${instance.state}`}>{STATE_LABELS[instance.state]}</span>
        {busy === undefined ? null : (
          <span className="row-busy" role="status">
            {ACTION_PROGRESS[busy]}
          </span>
        )}
      </td>
      <LoadCells id={instance.id} />
      <td className="addresses">{facts === undefined ? '…' : facts.addresses.join(', ') || '–'}</td>
      <td>{facts === undefined ? '…' : facts.networks.join(', ') || '–'}</td>
      <td>{originLabel(instance)}</td>
      <td>{autostartLabel(facts)}</td>
      <td className="row-actions">
        {actionsFor(instance).map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'delete' || action === 'force-off' ? 'small danger' : 'small'}
            disabled={busy !== undefined}
            aria-label={`${ACTION_LABELS[action]} ${instance.name}`}
            onClick={() => {
              props.onAction(instance, action);
            }}
          >
            {ACTION_LABELS[action]}
          </button>
        ))}
        {failure === undefined ? null : (
          <div className="row-error" role="alert">
            <span>
              {ACTION_LABELS[failure.action]} failed: {failure.error.message}
            </span>
            {failure.error.detail === undefined ? null : (
              <span className="hint"> {failure.error.detail}</span>
            )}
            <button
              type="button"
              className="small"
              aria-label={`Dismiss the error of ${instance.name}`}
              onClick={() => {
                props.onDismiss(instance.id);
              }}
            >
              Dismiss
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

export function InstanceTable(props: InstanceTableProps) {
  const { rows, sort, selected } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // TanStack Virtual returns fresh functions each render; this component is simply not auto-memoized.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: rows.length <= RENDER_ALL_UP_TO ? rows.length : 20,
    getItemKey: (index) => rows[index]?.id ?? index,
  });
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = items.length === 0 ? 0 : virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  const revealIndex = props.revealId === undefined ? -1 : rows.findIndex((row) => row.id === props.revealId);
  const revealable = revealIndex >= 0;
  useEffect(() => {
    if (revealIndex >= 0) virtualizer.scrollToIndex(revealIndex, { align: 'auto' });
    // When the address names a row, and once that row is listed; not on every change of the list.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.revealId, revealable]);

  // Up and Down move between rows' names, Page Up and Page Down by a screenful, Home and End to the
  // first and the last row, bringing rows that are not in the page yet into view.
  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const target = event.target as HTMLElement;
    if (!target.classList.contains('row-open')) return;
    const from = Number(target.closest('tr')?.dataset['index']);
    if (!Number.isInteger(from)) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1);
    const last = rows.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: Math.min(from + 1, last),
      ArrowUp: Math.max(from - 1, 0),
      PageDown: Math.min(from + page, last),
      PageUp: Math.max(from - page, 0),
      Home: 0,
      End: last,
    };
    const to = moves[event.key];
    if (to === undefined || to < 0) return;
    event.preventDefault();
    if (to === from) return;
    virtualizer.scrollToIndex(to, { align: 'auto' });
    const focus = (tries: number) => {
      const button = scrollRef.current?.querySelector<HTMLButtonElement>(`tr[data-index="${to}"] .row-open`);
      if (button !== null && button !== undefined) button.focus();
      else if (tries > 0)
        requestAnimationFrame(() => {
          focus(tries - 1);
        });
    };
    focus(5);
  };

  const allSelected = rows.length > 0 && rows.every((row) => selected.has(row.id));
  return (
    <div className="table-scroll" ref={scrollRef}>
      <table
        aria-label="Instances"
        aria-rowcount={rows.length + 1}

        className="instances"
      >
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="check">
              <input
                type="checkbox"
                aria-label="Select all shown instances"
                checked={allSelected}
                onChange={props.onToggleAll}
              />
            </th>
            {COLUMNS.map((column) => (
              <th key={column.key} scope="col" aria-sort={sort.key === column.key ? sort.direction : 'none'}>
                <button
                  type="button"
                  className="sort-button"
                  onClick={() => {
                    props.onSort(column.key);
                  }}
                >
                  {column.label}
                  <span aria-hidden="true" className="sort-mark">
                    {sort.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
                  </span>
                </button>
              </th>
            ))}
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {before > 0 ? (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={COLUMN_COUNT} style={{ height: before }} />
            </tr>
          ) : null}
          {items.map((item) => {
            const instance = rows[item.index];
            if (instance === undefined) return null;
            return (
              <Row
                key={instance.id}
                instance={instance}
                index={item.index}
                facts={props.facts[instance.id]}
                props={props}
                measure={virtualizer.measureElement}
              />
            );
          })}
          {after > 0 ? (
            <tr aria-hidden="true" className="spacer">
              <td colSpan={COLUMN_COUNT} style={{ height: after }} />
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
