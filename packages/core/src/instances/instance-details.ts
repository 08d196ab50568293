// What the desktop app shows of one instance beyond the listing: its addresses, networks and autostart
// (for the overview's columns), and its details (summary, disks, NICs, snapshots, XML or inspect JSON,
// its NovaFile section), read through the same helper methods and engine calls as the CLI.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { NOVA_NAME_LABEL, NOVA_PROJECT_LABEL } from '../containers/container-model.js';
import type { ContainerDetails } from '../contract/container-types.js';
import { toErrorData } from '../contract/errors.js';
import type { InstanceDetails, InstanceFacts } from '../contract/features/overview.js';
import type { DomainFacts, DomainInterfaceAddresses } from '../contract/helper-types.js';
import { parseDomainConfig } from '../libvirt/domain-config.js';
import { MAX_NOVAFILE_BYTES, readNovaFile } from '../novafile/read.js';
import { projectName } from '../novafile/resolve.js';
import { mapBounded } from '../util/semaphore.js';
import { type InstanceDeps, parseInstanceId } from './instance-actions.js';

/** Calls in flight at once, well under the bus's limit of pending replies per connection (128). */
const FACT_CONCURRENCY = 8;

const message = (err: unknown): string => toErrorData(err).message;

function addressesOf(interfaces: readonly DomainInterfaceAddresses[]): string[] {
  return interfaces.flatMap((entry) => entry.addresses.map((address) => address.address));
}

/** Whether a restart policy starts the container with its engine. */
function startsWithEngine(details: ContainerDetails): boolean {
  return details.restartPolicy.name === 'always' || details.restartPolicy.name === 'unless-stopped';
}

/**
 * Addresses, networks and autostart of each instance named, read a few at a time; one that cannot be
 * read says why in its `error` and does not hide the others.
 */
export async function instanceFacts(deps: InstanceDeps, ids: readonly string[]): Promise<InstanceFacts[]> {
  // The VMs' facts come in one helper call for all of them (one polkit check; libvirt lists which run and
  // which start with the host); only a running VM's addresses are asked one by one.
  const needVms = ids.some((id) => id.startsWith('vm/'));
  let domains: Map<string, DomainFacts> | undefined;
  let listError: string | undefined;
  if (needVms) {
    try {
      const listed = await deps.helper('ListDomainFacts', {});
      domains = new Map(listed.domains.map((domain) => [domain.uuid, domain]));
    } catch (err) {
      listError = message(err);
    }
  }
  return mapBounded(ids, FACT_CONCURRENCY, async (id): Promise<InstanceFacts> => {
    const facts: InstanceFacts = { id, addresses: [], networks: [] };
    try {
      const parsed = parseInstanceId(id);
      if (parsed.kind === 'vm') {
        const domain = domains?.get(parsed.uuid);
        if (domain === undefined) return { ...facts, error: listError ?? 'this VM is gone' };
        facts.autostart = domain.autostart;
        facts.networks = domain.networks;
        if (domain.active) {
          const { interfaces } = await deps.helper('GetDomainAddresses', {
            uuid: parsed.uuid,
            source: 'lease',
          });
          facts.addresses = addressesOf(interfaces);
        }
        return facts;
      }
      const engine = await deps.containers.engine(parsed.engine);
      const details = await engine.inspectContainer(parsed.containerId);
      facts.autostart = startsWithEngine(details);
      facts.networks = details.networks.map((network) => network.name);
      facts.addresses = details.networks.flatMap((network) =>
        network.ipAddress === undefined || network.ipAddress === '' ? [] : [network.ipAddress],
      );
      return facts;
    } catch (err) {
      return { ...facts, error: message(err) };
    }
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The lines of a NovaFile that describe `[kind.name]` (with its sub-tables such as `[vm.name.disk]`),
 * or undefined when it has none. Pure: works on the file's text.
 */
export function novaFileSection(text: string, kind: 'vm' | 'container', name: string): string | undefined {
  const key = `(?:${escapeRegExp(name)}|"${escapeRegExp(name)}"|'${escapeRegExp(name)}')`;
  const own = new RegExp(`^\\s*\\[\\[?\\s*${kind}\\s*\\.\\s*${key}\\s*(?:\\]|\\.)`);
  const header = /^\s*\[/;
  const lines = text.split(/\r?\n/);
  const kept: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (header.test(line)) inside = own.test(line);
    if (inside) kept.push(line);
  }
  while (kept.length > 0 && kept[kept.length - 1]?.trim() === '') kept.pop();
  return kept.length === 0 ? undefined : kept.join('\n');
}

/** The section of the NovaFile at `path` for Nova's instance `name` of `project`, if that file is the project's. */
export async function novaFileEntry(
  path: string,
  mark: { project: string | undefined; name: string | undefined },
  kind: 'vm' | 'container',
  warnings: string[],
): Promise<InstanceDetails['novaFile']> {
  if (mark.project === undefined || mark.name === undefined) return undefined;
  const absolute = resolve(path);
  let text: string;
  try {
    const bytes = await readFile(absolute);
    if (bytes.length > MAX_NOVAFILE_BYTES) return undefined;
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') warnings.push(`NovaFile ${absolute}: ${message(err)}`);
    return undefined;
  }
  const read = readNovaFile(text, { file: absolute });
  if (!read.ok) {
    warnings.push(`The NovaFile at ${absolute} has errors; run nova validate there.`);
    return undefined;
  }
  const project = projectName(read.model, dirname(absolute));
  if (project !== mark.project) return undefined;
  const section = novaFileSection(text, kind, mark.name);
  return section === undefined ? undefined : { path: absolute, project, name: mark.name, section };
}

function bytes(value: number): string {
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.round(value / 1024 ** 2)} MiB`;
}

async function vmDetails(
  deps: InstanceDeps,
  id: string,
  uuid: string,
  novaFilePath: string,
): Promise<InstanceDetails> {
  const warnings: string[] = [];
  const [info, xml, snapshots] = await Promise.all([
    deps.helper('GetDomainInfo', { uuid }),
    deps.helper('GetDomainXml', { uuid, inactive: false }).then(
      ({ xml: text }) => text,
      (err: unknown) => {
        warnings.push(`XML: ${message(err)}`);
        return '';
      },
    ),
    deps.helper('ListSnapshots', { uuid }).then(
      (result) => result.snapshots,
      (err: unknown) => {
        warnings.push(`Snapshots: ${message(err)}`);
        return [];
      },
    ),
  ]);
  let interfaces: DomainInterfaceAddresses[] = [];
  if (info.state === 'running' || info.state === 'paused') {
    try {
      interfaces = (await deps.helper('GetDomainAddresses', { uuid, source: 'lease' })).interfaces;
    } catch (err) {
      warnings.push(`Addresses: ${message(err)}`);
    }
  }
  let mark: { project: string | undefined; name: string | undefined } | undefined;
  if (xml !== '') {
    try {
      mark = parseDomainConfig(xml).nova;
    } catch (err) {
      warnings.push(`XML could not be read: ${message(err)}`);
    }
  }
  const novaFile =
    info.origin === 'nova' && mark !== undefined
      ? await novaFileEntry(novaFilePath, mark, 'vm', warnings)
      : undefined;
  return {
    id,
    kind: 'vm',
    name: info.name,
    state: info.state,
    summary: [
      { label: 'UUID', value: info.uuid },
      { label: 'State', value: `${info.state} (${info.reason})` },
      {
        label: 'Owner',
        value:
          info.origin === 'nova'
            ? `Nova${info.project === undefined ? '' : `, project ${info.project}`}`
            : 'Not created by Nova',
      },
      { label: 'Hypervisor', value: info.type === 'kvm' ? 'KVM' : `${info.type} (emulated)` },
      { label: 'vCPUs', value: String(info.vcpus) },
      { label: 'Memory', value: bytes(info.memoryBytes) },
      { label: 'Autostart', value: info.autostart ? 'Yes' : 'No' },
      { label: 'Persistent', value: info.persistent ? 'Yes' : 'No' },
    ],
    disks: info.disks.map((disk) => ({
      name: disk.target,
      source: disk.source.type === 'volume' ? `${disk.source.pool}/${disk.source.volume}` : disk.source.path,
      detail: [
        disk.format,
        disk.bus,
        ...(disk.device === 'cdrom' ? ['CD-ROM'] : []),
        ...(disk.readonly ? ['read-only'] : []),
      ].join(', '),
    })),
    nics: info.nics.map((nic, index) => {
      const seen = interfaces.find((entry) => entry.mac.toLowerCase() === nic.mac?.toLowerCase());
      return {
        name: seen?.interface ?? `NIC ${index + 1}`,
        ...(nic.mac === undefined ? {} : { mac: nic.mac }),
        network:
          nic.source.type === 'network' ? `network ${nic.source.network}` : `bridge ${nic.source.bridge}`,
        addresses: seen === undefined ? [] : seen.addresses.map((a) => `${a.address}/${a.prefix}`),
      };
    }),
    snapshots,
    raw: { format: 'xml', text: xml },
    ...(novaFile === undefined ? {} : { novaFile }),
    warnings,
  };
}

async function containerDetails(
  deps: InstanceDeps,
  id: string,
  engineName: Parameters<InstanceDeps['containers']['engine']>[0],
  containerId: string,
  novaFilePath: string,
): Promise<InstanceDetails> {
  const engine = await deps.containers.engine(engineName);
  const details = await engine.inspectContainer(containerId);
  const warnings: string[] = [];
  const mark = { project: details.labels[NOVA_PROJECT_LABEL], name: details.labels[NOVA_NAME_LABEL] };
  const novaFile =
    details.origin === 'nova' ? await novaFileEntry(novaFilePath, mark, 'container', warnings) : undefined;
  return {
    id,
    kind: 'container',
    name: details.name,
    state: details.state,
    summary: [
      { label: 'ID', value: details.id.slice(0, 12) },
      {
        label: 'Engine',
        value: `${details.engine} (${engine.via === 'helper' ? 'through Nova’s helper' : engine.endpoint})`,
      },
      { label: 'State', value: `${details.state} (${details.status})` },
      {
        label: 'Owner',
        value:
          details.origin === 'nova'
            ? `Nova${details.project === undefined ? '' : `, project ${details.project}`}`
            : 'Not created by Nova',
      },
      { label: 'Image', value: details.image },
      { label: 'Command', value: details.command.join(' ') },
      { label: 'Created', value: details.createdAt },
      ...(details.startedAt === undefined ? [] : [{ label: 'Started', value: details.startedAt }]),
      { label: 'Restart policy', value: details.restartPolicy.name },
      ...(details.error === undefined || details.error === ''
        ? []
        : [{ label: 'Error', value: details.error }]),
    ],
    disks: details.mounts.map((mount) => ({
      name: mount.target,
      source: mount.source,
      detail: [mount.type, ...(mount.readOnly ? ['read-only'] : [])].join(', '),
    })),
    nics: details.networks.map((network) => ({
      name: network.name,
      ...(network.macAddress === undefined || network.macAddress === '' ? {} : { mac: network.macAddress }),
      network: network.name,
      addresses: network.ipAddress === undefined || network.ipAddress === '' ? [] : [network.ipAddress],
    })),
    raw: { format: 'json', text: JSON.stringify(details, null, 2) },
    ...(novaFile === undefined ? {} : { novaFile }),
    warnings,
  };
}

/** One instance in detail; `novaFilePath` is where its NovaFile is looked for (./NovaFile by default). */
export async function instanceDetails(
  deps: InstanceDeps,
  id: string,
  novaFilePath = 'NovaFile',
): Promise<InstanceDetails> {
  const parsed = parseInstanceId(id);
  return parsed.kind === 'vm'
    ? vmDetails(deps, id, parsed.uuid, novaFilePath)
    : containerDetails(deps, id, parsed.engine, parsed.containerId, novaFilePath);
}
