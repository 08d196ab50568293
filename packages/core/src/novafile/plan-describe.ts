// How a plan tells the user what it makes and what differs: the reasons of its steps. Pure.
import type { NetworkSummary } from '../contract/helper/index.js';
import type { ContainerSpec, NetworkSpec } from '../contract/specs.js';
import type { Difference } from '../libvirt/domain-config.js';
import type { PlanStep } from './plan-types.js';
import type { DesiredVm } from './resolve-types.js';

/** How a libvirt network differs from the spec, in the file's words. */
export function networkDifferences(spec: NetworkSpec, actual: NetworkSummary): Difference[] {
  const differences: Difference[] = [];
  const compare = (field: string, want: string, have: string) => {
    if (want !== have) differences.push({ field, want, have });
  };
  const mode = actual.forwardMode ?? 'isolated';
  compare(
    'profile',
    spec.mode === 'isolated' ? 'internal' : spec.mode,
    mode === 'isolated' ? 'internal' : mode,
  );
  compare('bridge', spec.bridge, actual.bridge ?? '(none)');
  const want = spec.ipv4 === undefined ? '(none)' : `${spec.ipv4.address}/${spec.ipv4.prefix}`;
  const have = actual.address === undefined ? '(none)' : `${actual.address}/${actual.prefix ?? '?'}`;
  compare('gateway/subnet', want, have);
  const dhcpWant = spec.ipv4?.dhcp === undefined ? '(none)' : `${spec.ipv4.dhcp.start}-${spec.ipv4.dhcp.end}`;
  const dhcpHave = actual.dhcpStart === undefined ? '(none)' : `${actual.dhcpStart}-${actual.dhcpEnd ?? '?'}`;
  compare('dhcp_range', dhcpWant, dhcpHave);
  return differences;
}

export function describeChanges(changes: Difference[]): string {
  return changes.map((change) => `${change.field} ${change.have} → ${change.want}`).join('; ');
}

/** JSON for a value, "(none)" for an absent one (JSON.stringify gives undefined for it). */
function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** How a container differs from the spec Nova applied: env by its names; if nothing else differs, its values do. */
export function containerDifferences(
  want: ContainerSpec,
  have: Partial<ContainerSpec> | undefined,
): Difference[] {
  if (have === undefined)
    return [{ field: 'spec', want: 'as in the file', have: 'unknown (no record of what Nova applied)' }];
  const keys = new Set(
    [...Object.keys(want), ...Object.keys(have)].filter((key) => key !== 'ownership' && key !== 'name'),
  ) as Set<keyof ContainerSpec>;
  const differences: Difference[] = [];
  for (const key of keys) {
    const a = show(key === 'env' ? Object.keys(want.env).sort() : want[key]);
    const b = show(key === 'env' ? Object.keys(have.env ?? {}).sort() : have[key]);
    if (a !== b) differences.push({ field: key === 'env' ? 'env (names)' : key, want: a, have: b });
  }
  if (differences.length === 0)
    differences.push({ field: 'env (values)', want: 'as in the file', have: 'different' });
  return differences;
}

export function autostartStep(kind: 'network' | 'vm', name: string, autostart: boolean): PlanStep {
  return {
    kind,
    name,
    action: 'autostart',
    reason: autostart ? 'start with the host' : 'do not start with the host',
    target: { kind: 'autostart', autostart },
  };
}

/** A size in whole Gi or Mi where it is one, else in bytes. */
export function formatGi(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}Gi`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}Mi`;
  return `${bytes} bytes`;
}

export function describeNetwork(spec: NetworkSpec): string {
  const mode = spec.mode === 'nat' ? 'NAT' : spec.mode === 'isolated' ? 'internal' : 'bridged';
  if (spec.ipv4 === undefined) return `${mode} on ${spec.bridge}`;
  const dhcp = spec.ipv4.dhcp === undefined ? '' : `, DHCP ${spec.ipv4.dhcp.start}-${spec.ipv4.dhcp.end}`;
  return `${mode} ${spec.ipv4.address}/${spec.ipv4.prefix} on ${spec.bridge}${dhcp}`;
}

export function describeVm(vm: DesiredVm): string {
  const nics = vm.spec.nics.map((nic) =>
    nic.source.type === 'network' ? nic.source.network : nic.source.bridge,
  );
  return `${vm.spec.vcpus} vCPU, ${formatGi(vm.spec.memoryBytes)}, ${vm.spec.type === 'kvm' ? 'kvm' : 'tcg'}${nics.length > 0 ? `, on ${nics.join(', ')}` : ''}`;
}
