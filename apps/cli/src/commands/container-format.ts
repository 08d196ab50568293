// The tables of `nova container …`: the container list, one container in detail, live statistics, and
// the engines' networks and volumes. Pure: values in, text out.
import type {
  ContainerDetails,
  ContainerStats,
  ContainerSummary,
  EngineName,
  EngineNetworkSummary,
  EngineVolumeSummary,
} from '@nova/core';

import { table } from '../format.js';
import { shortId } from './engine-choice.js';
import { humanBytes, yesNo } from './shared.js';

/** A container as `container list` shows it: the engine's summary and which engine runs it. */
export type ListedContainer = ContainerSummary & { engine: EngineName; via: 'direct' | 'helper' };

const engineLabel = (engine: EngineName, via: 'direct' | 'helper'): string =>
  via === 'helper' ? `${engine} (via helper)` : engine;

/** Like `docker ps`: without --all only what is up (running, paused, starting, stopping). */
export function isUp(container: ContainerSummary): boolean {
  return container.state !== 'stopped' && container.state !== 'crashed';
}

export function formatContainerList(containers: readonly ListedContainer[], all: boolean): string {
  if (containers.length === 0)
    return all ? 'No containers.' : 'No running containers (nova container list --all shows every one).';
  return table([
    ['NAME', 'ENGINE', 'STATE', 'IMAGE', 'ORIGIN', 'ID'],
    ...[...containers]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((c) => [c.name, engineLabel(c.engine, c.via), c.state, c.image, c.origin, shortId(c.containerId)]),
  ]);
}

/** An argument as a shell would need it written, for showing a command line. */
function quoted(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

export function formatContainerDetails(details: ContainerDetails): string {
  const many = (label: string, values: string[], none: string): string[][] =>
    values.length === 0 ? [[label, none]] : values.map((value, index) => [index === 0 ? label : '', value]);
  const owner =
    details.origin === 'nova'
      ? `Nova${details.project === undefined ? '' : `, project ${details.project}`}`
      : 'not Nova (changes need --foreign)';
  const how = [
    ...(details.status === details.state ? [] : [details.status]),
    ...(details.exitCode === undefined ? [] : [`exit code ${details.exitCode}`]),
  ];
  const restart =
    details.restartPolicy.name === 'on-failure' && details.restartPolicy.maxRetries > 0
      ? `on-failure, at most ${details.restartPolicy.maxRetries} times`
      : details.restartPolicy.name;
  const ports = details.ports.map((port) =>
    port.hostPort === undefined
      ? `${port.containerPort}/${port.protocol} (not published)`
      : `${port.hostIp ?? '0.0.0.0'}:${port.hostPort} -> ${port.containerPort}/${port.protocol}`,
  );
  const mounts = details.mounts.map(
    (mount) => `${mount.source} -> ${mount.target} (${mount.type}${mount.readOnly ? ', read-only' : ''})`,
  );
  const networks = details.networks.map((network) =>
    [network.name, network.ipAddress, network.macAddress].filter((part) => part !== undefined).join('  '),
  );
  const labels = Object.entries(details.labels)
    .filter(([key]) => !key.startsWith('dev.nova.'))
    .map(([key, value]) => `${key}=${value}`);
  return table([
    ['Name', details.name],
    ['ID', details.id],
    ['Engine', details.engine],
    ['Image', `${details.image}${details.imageId === '' ? '' : ` (${shortId(details.imageId)})`}`],
    ['State', how.length === 0 ? details.state : `${details.state} (${how.join(', ')})`],
    ...(details.error === undefined ? [] : [['Error', details.error]]),
    ['Owner', owner],
    ['Created', details.createdAt],
    ...(details.startedAt === undefined ? [] : [['Started', details.startedAt]]),
    ...(details.finishedAt === undefined ? [] : [['Finished', details.finishedAt]]),
    ['Restart', `${restart} (restarted ${details.restartCount} times)`],
    ['CPUs', details.nanoCpus === undefined ? 'no limit' : String(details.nanoCpus / 1e9)],
    ['Memory', details.memoryBytes === undefined ? 'no limit' : humanBytes(details.memoryBytes)],
    ...(details.pid === undefined ? [] : [['PID', String(details.pid)]]),
    ['Command', details.command.map(quoted).join(' ')],
    ...many('Environment', details.env, 'none'),
    ...many('Ports', ports, 'none'),
    ...many('Mounts', mounts, 'none'),
    ...many('Networks', networks, 'none'),
    ...many('Labels', labels, 'none'),
  ]);
}

export function formatContainerStats(stats: readonly ContainerStats[]): string {
  const header = ['NAME', 'ENGINE', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'BLOCK I/O', 'PIDS'];
  if (stats.length === 0) return `${table([header])}\n(no running containers)`;
  return table([
    header,
    ...[...stats]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((s) => [
        s.name,
        s.engine,
        `${s.cpuPercent.toFixed(2)}%`,
        `${humanBytes(s.memoryBytes)} / ${s.memoryLimitBytes === undefined ? '-' : humanBytes(s.memoryLimitBytes)}`,
        s.memoryLimitBytes === undefined || s.memoryLimitBytes === 0
          ? '-'
          : `${((s.memoryBytes / s.memoryLimitBytes) * 100).toFixed(2)}%`,
        `${humanBytes(s.netRxBytes)} / ${humanBytes(s.netTxBytes)}`,
        `${humanBytes(s.blockReadBytes)} / ${humanBytes(s.blockWriteBytes)}`,
        String(s.pids),
      ]),
  ]);
}

export function formatNetworkList(networks: readonly EngineNetworkSummary[]): string {
  if (networks.length === 0) return 'No engine networks.';
  return table([
    ['NAME', 'ENGINE', 'DRIVER', 'SUBNET', 'INTERNAL', 'ORIGIN', 'CONTAINERS'],
    ...[...networks]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((n) => [
        n.name,
        n.engine,
        n.driver,
        n.subnets.length === 0 ? '-' : n.subnets.map((s) => s.subnet).join(', '),
        yesNo(n.internal),
        n.origin,
        String(n.containers.length),
      ]),
  ]);
}

export function formatVolumeList(volumes: readonly EngineVolumeSummary[]): string {
  if (volumes.length === 0) return 'No volumes.';
  return table([
    ['NAME', 'ENGINE', 'DRIVER', 'ORIGIN', 'MOUNTPOINT'],
    ...[...volumes]
      .sort((a, b) => a.name.localeCompare(b.name) || a.engine.localeCompare(b.engine))
      .map((v) => [v.name, v.engine, v.driver, v.origin, v.mountpoint]),
  ]);
}
