// Live networks: a network made or removed behind Nova's back (`virsh net-define`, `docker network
// create`) reaches NovaServices.watchNetworks, as main needs it to push `topology.changed` to the GUI;
// following networks and instances at once shares one subscription to the helper, and ending one
// leaves the other running.
import { rm, writeFile } from 'node:fs/promises';

import type { InstanceChange } from '@nova/core';
import {
  createNovaServices,
  type NetworkChange,
  type NetworkWatchStatus,
  type NovaServices,
} from '@nova/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  mustRun,
  removeContainer,
  requireLab,
  run,
  startContainer,
  uniqueName,
  virsh,
} from '../support/lab.js';

function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = check();
      if (value !== undefined) resolve(value);
      else if (Date.now() - started > timeoutMs) reject(new Error(`no ${what} within ${timeoutMs} ms`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

const libvirtNetwork = uniqueName('tev-net');
const engineNetwork = uniqueName('tev-dnet');
const containerName = uniqueName('tev-ct');
const bridge = `nvt${String(process.pid % 100_000)}`;
let services: NovaServices;

beforeAll(() => {
  requireLab();
  services = createNovaServices();
});

afterAll(async () => {
  services.close();
  await run('virsh', ['-c', 'qemu:///system', 'net-destroy', libvirtNetwork]);
  await run('virsh', ['-c', 'qemu:///system', 'net-undefine', libvirtNetwork]);
  await removeContainer(containerName);
  await run('docker', ['network', 'rm', engineNetwork]);
});

/** Follows networks until stopped, keeping what came and which sources are followed now. */
function follow(): {
  changes: NetworkChange[];
  live: (source: NetworkWatchStatus['source']) => Promise<void>;
  stop: () => void;
} {
  const changes: NetworkChange[] = [];
  const followed = new Set<string>();
  const stop = services.watchNetworks(
    (change) => changes.push(change),
    (status) => {
      if (status.live) followed.add(status.source);
      else followed.delete(status.source);
    },
  );
  // A change made before its source is followed would be missed: wait until it is.
  const live = async (source: NetworkWatchStatus['source']) => {
    await waitFor(() => (followed.has(source) ? true : undefined), 30_000, `${source} followed`);
  };
  return { changes, live, stop };
}

const isolatedNetworkXml = (name: string) =>
  `<network><name>${name}</name><bridge name='${bridge}'/>` +
  `<ip address='10.213.${String(process.pid % 200)}.1' netmask='255.255.255.0'/></network>`;

describe('watchNetworks', () => {
  it('reports a libvirt network defined, started, stopped and removed with virsh', async () => {
    const { changes, live, stop } = follow();
    try {
      await live('helper');
      const file = `/tmp/${libvirtNetwork}.xml`;
      await writeFile(file, isolatedNetworkXml(libvirtNetwork));
      await virsh('net-define', file);
      await rm(file);
      await virsh('net-start', libvirtNetwork);
      const seen = (event: string) => () =>
        changes.find((c) => c.source === 'libvirt' && c.name === libvirtNetwork && c.event === event);
      await waitFor(seen('defined'), 30_000, 'defined');
      await waitFor(seen('started'), 30_000, 'started');
      // Starting the network made its bridge: the host's links are followed too.
      await waitFor(
        () => changes.find((c) => c.source === 'host' && c.name === bridge),
        30_000,
        `a change of ${bridge}`,
      );
      await virsh('net-destroy', libvirtNetwork);
      await virsh('net-undefine', libvirtNetwork);
      await waitFor(seen('stopped'), 30_000, 'stopped');
      await waitFor(seen('undefined'), 30_000, 'undefined');
    } finally {
      stop();
    }
  });

  it('reports a Docker network created, a container connected to it, and the network removed', async () => {
    const { changes, live, stop } = follow();
    try {
      await live('docker');
      await mustRun('docker', ['network', 'create', '--label', 'dev.nova.test=1', engineNetwork]);
      await startContainer(containerName);
      await mustRun('docker', ['network', 'connect', engineNetwork, containerName]);
      const seen = (event: string) => () =>
        changes.find((c) => c.source === 'docker' && c.name === engineNetwork && c.event === event);
      await waitFor(seen('create'), 30_000, 'create');
      await waitFor(seen('connect'), 30_000, 'connect');
      await removeContainer(containerName);
      await mustRun('docker', ['network', 'rm', engineNetwork]);
      await waitFor(seen('destroy'), 30_000, 'destroy');
    } finally {
      stop();
    }
  });

  it('shares the helper subscription with watchInstances: ending one leaves the other running', async () => {
    const instanceChanges: InstanceChange[] = [];
    const stopInstances = services.watchInstances((change) => instanceChanges.push(change));
    const networks = follow();
    await networks.live('helper');
    // Ending the network watch must not unsubscribe the helper's signals the instance watch needs.
    networks.stop();
    const name = uniqueName('tev-late');
    const file = `/tmp/${name}.xml`;
    try {
      const later = follow();
      try {
        await later.live('helper');
        await writeFile(file, `<network><name>${name}</name></network>`);
        await virsh('net-define', file);
        await waitFor(
          () => later.changes.find((c) => c.name === name && c.event === 'defined'),
          30_000,
          'defined, seen by a watcher that came later',
        );
      } finally {
        later.stop();
      }
      // The instance watch still hears libvirt: its liveness was never reported lost.
      expect(instanceChanges.some((c) => c.source === 'libvirt' && c.live === false)).toBe(false);
    } finally {
      stopInstances();
      await run('virsh', ['-c', 'qemu:///system', 'net-undefine', name]);
      await rm(file, { force: true });
    }
  });
});
