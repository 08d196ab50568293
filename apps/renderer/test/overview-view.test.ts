import type { ContainerInstance, Instance, InstanceFacts, VmInstance } from '@nova/core';
import { describe, expect, it } from 'vitest';

import {
  actionsFor,
  describeDeletion,
  filterInstances,
  networksOf,
  nextSort,
  NO_FILTER,
  planBulk,
  pruneSelection,
  sortInstances,
  sparklinePoints,
  toggleAll,
  toggleSelection,
} from '../src/stores/overview-view.js';

const vm = (name: string, state: Instance['state'], n: number): VmInstance => ({
  kind: 'vm',
  id: `vm/00000000-0000-4000-8000-00000000000${n}`,
  name,
  state,
  origin: 'nova',
  uuid: `00000000-0000-4000-8000-00000000000${n}`,
  connection: 'qemu:///system',
  vcpus: 1,
  memoryBytes: 128 * 1024 ** 2,
});
const ct = (name: string, state: Instance['state'], id: string): ContainerInstance => ({
  kind: 'container',
  id: `container/docker/${id}`,
  name,
  state,
  origin: 'external',
  engine: 'docker',
  containerId: id,
  image: 'nova-test/busybox:latest',
  via: 'direct',
});

const web = ct('web', 'running', 'aaaaaaaaaaaa');
const db = ct('db', 'stopped', 'bbbbbbbbbbbb');
const alpha = vm('alpha', 'paused', 1);
const vm10 = vm('vm10', 'running', 2);
const vm9 = vm('vm9', 'stopped', 3);
const all = [web, db, alpha, vm10, vm9];

const facts: Record<string, InstanceFacts> = {
  [web.id]: { id: web.id, addresses: ['172.17.0.2'], networks: ['bridge'], autostart: true },
  [vm10.id]: { id: vm10.id, addresses: ['192.168.122.10'], networks: ['default'], autostart: false },
  [alpha.id]: { id: alpha.id, addresses: [], networks: ['default'] },
};
const factsOf = (id: string) => facts[id];
const noLoad = () => undefined;
const names = (list: Instance[]) => list.map((instance) => instance.name);

describe('filterInstances', () => {
  it('matches every word of the text against name, image, addresses and networks', () => {
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, text: 'busybox' }))).toEqual(['web', 'db']);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, text: '192.168.122' }))).toEqual(['vm10']);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, text: 'WEB bridge' }))).toEqual(['web']);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, text: 'web nothing' }))).toEqual([]);
  });

  it('filters by kind, state, network and running-only', () => {
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, kind: 'vm' }))).toEqual([
      'alpha',
      'vm10',
      'vm9',
    ]);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, state: 'stopped' }))).toEqual(['db', 'vm9']);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, network: 'default' }))).toEqual([
      'alpha',
      'vm10',
    ]);
    expect(names(filterInstances(all, factsOf, { ...NO_FILTER, runningOnly: true }))).toEqual([
      'web',
      'vm10',
    ]);
    expect(
      names(filterInstances(all, factsOf, { ...NO_FILTER, kind: 'container', runningOnly: true })),
    ).toEqual(['web']);
  });
});

describe('sortInstances', () => {
  const sorted = (key: Parameters<typeof nextSort>[1], direction: 'ascending' | 'descending' = 'ascending') =>
    names(sortInstances(all, { key, direction }, factsOf, noLoad));

  it('sorts names naturally (vm9 before vm10) and flips for descending', () => {
    expect(sorted('name')).toEqual(['alpha', 'db', 'vm9', 'vm10', 'web']);
    expect(sorted('name', 'descending')).toEqual(['web', 'vm10', 'vm9', 'db', 'alpha']);
  });

  it('puts running first by state, ties in name order', () => {
    expect(sorted('state')).toEqual(['vm10', 'web', 'alpha', 'db', 'vm9']);
  });

  it('keeps unknown values last in both directions', () => {
    expect(sorted('addresses')).toEqual(['web', 'vm10', 'alpha', 'db', 'vm9']);
    expect(sorted('addresses', 'descending')).toEqual(['vm10', 'web', 'alpha', 'db', 'vm9']);
    expect(sorted('autostart')).toEqual(['web', 'vm10', 'alpha', 'db', 'vm9']);
  });

  it('sorts by CPU from the live load, rows without load last', () => {
    const load = (id: string) =>
      id === vm9.id
        ? { cpuPercent: 50, cpuHistory: [] }
        : id === web.id
          ? { cpuPercent: 5, cpuHistory: [] }
          : undefined;
    expect(names(sortInstances(all, { key: 'cpu', direction: 'descending' }, factsOf, load))).toEqual([
      'vm9',
      'web',
      'alpha',
      'db',
      'vm10',
    ]);
  });

  it('flips the same column and starts a new one ascending', () => {
    expect(nextSort({ key: 'name', direction: 'ascending' }, 'name')).toEqual({
      key: 'name',
      direction: 'descending',
    });
    expect(nextSort({ key: 'name', direction: 'descending' }, 'state')).toEqual({
      key: 'state',
      direction: 'ascending',
    });
  });
});

describe('actions and selection', () => {
  it('offers only the actions the state allows', () => {
    expect(actionsFor({ state: 'running' })).toEqual(['shutdown', 'force-off', 'reboot', 'pause', 'delete']);
    expect(actionsFor({ state: 'paused' })).toEqual(['resume', 'force-off', 'delete']);
    expect(actionsFor({ state: 'stopped' })).toEqual(['start', 'delete']);
  });

  it('applies a bulk action to the rows that allow it and skips the others', () => {
    const { apply, skip } = planBulk([web, db, alpha], 'pause');
    expect(names(apply)).toEqual(['web']);
    expect(names(skip)).toEqual(['db', 'alpha']);
  });

  it('toggles one row, all shown rows, and forgets rows that are gone', () => {
    let selected = toggleSelection(new Set(), web.id);
    expect([...selected]).toEqual([web.id]);
    selected = toggleSelection(selected, web.id);
    expect(selected.size).toBe(0);
    selected = toggleAll(new Set([web.id]), [web, db]);
    expect([...selected].sort()).toEqual([web.id, db.id].sort());
    selected = toggleAll(selected, [web, db]);
    expect(selected.size).toBe(0);
    const kept = pruneSelection(new Set([web.id, 'container/docker/gone00000000']), [web, db]);
    expect([...kept]).toEqual([web.id]);
  });

  it('lists every network once, sorted', () => {
    expect(networksOf(all, factsOf)).toEqual(['bridge', 'default']);
  });

  it('says what a deletion deletes, disks included only when asked', () => {
    expect(describeDeletion([vm9], false)).toEqual([
      'VM "vm9": its definition and all its snapshots; its disk images are kept',
    ]);
    expect(describeDeletion([vm9], true)[0]).toContain('and the disk images Nova created for it');
    expect(describeDeletion([web], false)[0]).toBe(
      'Container "web" on Docker (not created by Nova): stopped if it runs and removed; its named volumes are kept',
    );
  });

  it('draws a sparkline inside its box', () => {
    expect(sparklinePoints([0], 48, 14)).toBe('');
    expect(sparklinePoints([0, 100], 48, 14)).toBe('0.0,14.0 48.0,0.0');
    expect(sparklinePoints([0, 200, 100], 48, 14)).toBe('0.0,14.0 24.0,0.0 48.0,7.0');
  });
});
