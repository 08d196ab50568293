import { access, constants } from 'node:fs/promises';

import type { EngineProbe } from '../containers/engines.js';
import { toErrorData } from '../contract/errors.js';
import type { HelperStatus } from '../contract/helper/index.js';
import type { ComponentStatus, VersionReport } from '../model/host.js';

export interface VersionInputs {
  novaVersion: string;
  helperStatus: () => Promise<HelperStatus>;
  probeEngines: () => Promise<EngineProbe[]>;
}

async function localKvmCheck(): Promise<ComponentStatus> {
  try {
    await access('/dev/kvm', constants.F_OK);
    return {
      name: 'kvm',
      status: 'ok',
      detail: '/dev/kvm exists (libvirt’s view unknown: the helper did not answer)',
    };
  } catch {
    return {
      name: 'kvm',
      status: 'absent',
      detail:
        'no /dev/kvm: no hardware virtualization or the kvm module is not loaded; VMs will run under TCG',
    };
  }
}

/** Nova's version and whether each thing it depends on is reachable from here, and why not. */
export async function versionReport(inputs: VersionInputs): Promise<VersionReport> {
  const components: ComponentStatus[] = [];
  const [helper, probes] = await Promise.all([
    inputs.helperStatus().then(
      (status) => ({ ok: true as const, status }),
      (err: unknown) => ({ ok: false as const, error: toErrorData(err) }),
    ),
    inputs.probeEngines(),
  ]);
  if (helper.ok) {
    const { status } = helper;
    components.push({
      name: 'helper',
      status: 'ok',
      version: status.helperVersion,
      detail: 'dev.nova.Helper1 answers on the system bus',
    });
    components.push({ name: 'libvirt', ...status.libvirt });
    components.push({ name: 'kvm', ...status.kvm });
  } else {
    const why = helper.error.message;
    components.push({ name: 'helper', status: 'unavailable', detail: why });
    components.push({
      name: 'libvirt',
      status: 'unavailable',
      detail: `unknown: Nova reaches libvirt through its helper, which did not answer (${why})`,
    });
    components.push(await localKvmCheck());
  }
  for (const probe of probes) {
    components.push({
      name: probe.endpoint.engine,
      status: probe.status === 'needs-helper' ? (helper.ok ? 'ok' : 'unavailable') : probe.status,
      endpoint: probe.endpoint.label,
      ...(probe.version === undefined ? {} : { version: probe.version }),
      detail: probe.detail,
    });
  }
  return { nova: inputs.novaVersion, node: process.version, components };
}
