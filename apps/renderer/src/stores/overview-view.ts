// The overview table's logic, without React or a DOM: which rows show (filters), in which order
// (sorting by any column), which actions apply to a row, and what a selection covers.
import type { Instance, InstanceAction, InstanceFacts, InstanceState } from '@nova/core';

import type { InstanceLoad } from './metrics.js';

export const STATE_LABELS: Record<InstanceState, string> = {
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  starting: 'Starting',
  stopping: 'Stopping',
  crashed: 'Crashed',
  suspended: 'Suspended',
  unknown: 'Unknown',
};

export const ACTION_LABELS: Record<InstanceAction, string> = {
  start: 'Start',
  shutdown: 'Shut down',
  'force-off': 'Force off',
  reboot: 'Reboot',
  pause: 'Pause',
  resume: 'Resume',
  delete: 'Delete',
};

/** What the row says while an action runs. */
export const ACTION_PROGRESS: Record<InstanceAction, string> = {
  start: 'Starting…',
  shutdown: 'Shutting down…',
  'force-off': 'Forcing off…',
  reboot: 'Rebooting…',
  pause: 'Pausing…',
  resume: 'Resuming…',
  delete: 'Deleting…',
};

export type SortKey =
  'name' | 'kind' | 'engine' | 'state' | 'cpu' | 'memory' | 'addresses' | 'network' | 'origin' | 'autostart';
type SortDirection = 'ascending' | 'descending';
export interface Sort {
  key: SortKey;
  direction: SortDirection;
}

export interface OverviewFilter {
  /** Matched, case-insensitively, against name, image, engine, addresses and networks. */
  text: string;
  kind: 'all' | Instance['kind'];
  state: 'all' | InstanceState;
  network: string;
  runningOnly: boolean;
}

export const NO_FILTER: OverviewFilter = {
  text: '',
  kind: 'all',
  state: 'all',
  network: '',
  runningOnly: false,
};

export type FactsOf = (id: string) => InstanceFacts | undefined;
export type LoadOf = (id: string) => InstanceLoad | undefined;

export function kindLabel(instance: Instance): string {
  return instance.kind === 'vm' ? 'VM' : 'Container';
}

/** The engine of a container, or the hypervisor of a VM. */
export function engineLabel(instance: Instance): string {
  if (instance.kind === 'vm')
    return instance.connection.startsWith('qemu') ? 'QEMU (libvirt)' : instance.connection;
  const name = { bolt: 'Bolt', docker: 'Docker', podman: 'Podman' }[instance.engine];
  return instance.via === 'helper' ? `${name} (through helper)` : name;
}

export function originLabel(instance: Instance): string {
  return instance.origin === 'nova' ? 'Nova' : 'External';
}

export function autostartLabel(facts: InstanceFacts | undefined): string {
  if (facts?.autostart === undefined) return '–';
  return facts.autostart ? 'Yes' : 'No';
}

function matchesFilter(
  instance: Instance,
  facts: InstanceFacts | undefined,
  filter: OverviewFilter,
): boolean {
  if (filter.kind !== 'all' && instance.kind !== filter.kind) return false;
  if (filter.state !== 'all' && instance.state !== filter.state) return false;
  if (filter.runningOnly && instance.state !== 'running') return false;
  if (filter.network !== '' && !(facts?.networks.includes(filter.network) ?? false)) return false;
  const text = filter.text.trim().toLowerCase();
  if (text === '') return true;
  const haystack = [
    instance.name,
    instance.kind === 'container' ? instance.image : instance.uuid,
    engineLabel(instance),
    STATE_LABELS[instance.state],
    ...(facts?.addresses ?? []),
    ...(facts?.networks ?? []),
  ]
    .join('\n')
    .toLowerCase();
  return text.split(/\s+/).every((word) => haystack.includes(word));
}

export function filterInstances(
  instances: readonly Instance[],
  factsOf: FactsOf,
  filter: OverviewFilter,
): Instance[] {
  return instances.filter((instance) => matchesFilter(instance, factsOf(instance.id), filter));
}

// Running first when sorting by state: what needs attention is on top.
const STATE_ORDER: Record<InstanceState, number> = {
  running: 0,
  starting: 1,
  stopping: 2,
  paused: 3,
  suspended: 4,
  crashed: 5,
  stopped: 6,
  unknown: 7,
};

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The value a column sorts by; undefined (unknown) always sorts last, in either direction. */
function sortValue(
  instance: Instance,
  key: SortKey,
  factsOf: FactsOf,
  loadOf: LoadOf,
): string | number | undefined {
  switch (key) {
    case 'name':
      return instance.name;
    case 'kind':
      return kindLabel(instance);
    case 'engine':
      return engineLabel(instance);
    case 'state':
      return STATE_ORDER[instance.state];
    case 'cpu':
      return loadOf(instance.id)?.cpuPercent;
    case 'memory':
      return loadOf(instance.id)?.memoryBytes;
    case 'addresses':
      return factsOf(instance.id)?.addresses[0];
    case 'network':
      return factsOf(instance.id)?.networks[0];
    case 'origin':
      return originLabel(instance);
    case 'autostart': {
      const autostart = factsOf(instance.id)?.autostart;
      return autostart === undefined ? undefined : autostart ? 0 : 1;
    }
  }
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** A sorted copy; ties keep name order, so the table does not jump when values are equal. */
export function sortInstances(
  instances: readonly Instance[],
  sort: Sort,
  factsOf: FactsOf,
  loadOf: LoadOf,
): Instance[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const keyed = instances.map((instance) => ({
    instance,
    value: sortValue(instance, sort.key, factsOf, loadOf),
  }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value !== b.value) return a.value === undefined ? 1 : -1;
    } else {
      const order = compareValues(a.value, b.value);
      if (order !== 0) return sign * order;
    }
    return collator.compare(a.instance.name, b.instance.name) || a.instance.id.localeCompare(b.instance.id);
  });
  return keyed.map((entry) => entry.instance);
}

/** Clicking a header: a new column sorts ascending, the same one flips. */
export function nextSort(current: Sort, key: SortKey): Sort {
  if (current.key !== key) return { key, direction: 'ascending' };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}

/** The actions that make sense for an instance in this state, in the order the row shows them. */
export function actionsFor(instance: Pick<Instance, 'state'>): InstanceAction[] {
  switch (instance.state) {
    case 'running':
      return ['shutdown', 'force-off', 'reboot', 'pause', 'delete'];
    case 'paused':
    case 'suspended':
      return ['resume', 'force-off', 'delete'];
    case 'starting':
    case 'stopping':
      return ['force-off', 'delete'];
    case 'stopped':
    case 'crashed':
      return ['start', 'delete'];
    case 'unknown':
      return ['start', 'force-off', 'delete'];
  }
}

/** Which of the selected instances an action applies to, and which it skips (their state does not allow it). */
export function planBulk(
  selected: readonly Instance[],
  action: InstanceAction,
): { apply: Instance[]; skip: Instance[] } {
  const apply: Instance[] = [];
  const skip: Instance[] = [];
  for (const instance of selected) (actionsFor(instance).includes(action) ? apply : skip).push(instance);
  return { apply, skip };
}

/** The selection, less what is gone from the list. */
export function pruneSelection(selected: ReadonlySet<string>, instances: readonly Instance[]): Set<string> {
  const present = new Set(instances.map((instance) => instance.id));
  const kept = new Set([...selected].filter((id) => present.has(id)));
  return kept.size === selected.size ? (selected as Set<string>) : kept;
}

export function toggleSelection(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (!next.delete(id)) next.add(id);
  return next;
}

/** The header checkbox: selects every shown row, or clears them when all are selected already. */
export function toggleAll(selected: ReadonlySet<string>, shown: readonly Instance[]): Set<string> {
  const allShown = shown.length > 0 && shown.every((instance) => selected.has(instance.id));
  const next = new Set(selected);
  for (const instance of shown) {
    if (allShown) next.delete(instance.id);
    else next.add(instance.id);
  }
  return next;
}

/** Every network some instance is attached to, for the network filter. */
export function networksOf(instances: readonly Instance[], factsOf: FactsOf): string[] {
  const names = new Set<string>();
  for (const instance of instances) for (const name of factsOf(instance.id)?.networks ?? []) names.add(name);
  return [...names].sort((a, b) => collator.compare(a, b));
}

/** What deleting these instances deletes, in words, for the confirm dialog. */
export function describeDeletion(instances: readonly Instance[], removeDisks: boolean): string[] {
  return instances.map((instance) => {
    const foreign = instance.origin === 'external' ? ' (not created by Nova)' : '';
    if (instance.kind === 'vm')
      return `VM "${instance.name}"${foreign}: its definition and all its snapshots${
        removeDisks ? ', and the disk images Nova created for it' : '; its disk images are kept'
      }`;
    return `Container "${instance.name}" on ${engineLabel(instance)}${foreign}: stopped if it runs and removed; its named volumes are kept`;
  });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** An SVG polyline's points for a sparkline of `values` in a box of width × height (0 at the bottom). */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length < 2) return '';
  const max = Math.max(100, ...values);
  const step = width / (values.length - 1);
  return values
    .map((value, index) => {
      const y = height - (Math.max(0, value) / max) * height;
      return `${(index * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}
