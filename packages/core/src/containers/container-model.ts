import type { ContainerSummary } from '../contract/helper/index.js';
import type { InstanceState } from '../model/instance.js';

/** The label that marks a container Nova created (and may therefore change or delete). */
export const NOVA_MANAGED_LABEL = 'dev.nova.managed';
/** Nova's other labels: the project, the name in the NovaFile, the applied spec and its hash. */
export const NOVA_PROJECT_LABEL = 'dev.nova.project';
export const NOVA_NAME_LABEL = 'dev.nova.name';
export const NOVA_SPEC_HASH_LABEL = 'dev.nova.spec-hash';
export const NOVA_SPEC_LABEL = 'dev.nova.spec';

/** Docker's and Podman's container states to Nova's. */
export function containerStateFromEngine(state: string): InstanceState {
  switch (state.toLowerCase()) {
    case 'running':
      return 'running';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'starting';
    case 'removing':
    case 'stopping':
      return 'stopping';
    case 'created':
    case 'configured':
    case 'initialized':
    case 'exited':
    case 'stopped':
      return 'stopped';
    case 'dead':
      return 'crashed';
    default:
      return 'unknown';
  }
}

/** The fields of a container listing (GET /containers/json) that Nova reads. */
export interface EngineContainerInfo {
  Id: string;
  Names?: string[] | null;
  Image: string;
  State: string;
  Labels?: Record<string, string> | null;
}

export function containerSummaryFromEngine(info: EngineContainerInfo): ContainerSummary {
  const firstName = info.Names?.[0] ?? info.Id.slice(0, 12);
  const labels = info.Labels ?? {};
  const nova = labels[NOVA_MANAGED_LABEL] === 'true';
  const project = labels[NOVA_PROJECT_LABEL];
  const specHash = labels[NOVA_SPEC_HASH_LABEL];
  const spec = labels[NOVA_SPEC_LABEL];
  return {
    containerId: info.Id,
    name: firstName.startsWith('/') ? firstName.slice(1) : firstName,
    state: containerStateFromEngine(info.State),
    origin: nova ? 'nova' : 'external',
    image: info.Image,
    ...(nova && project !== undefined ? { project } : {}),
    ...(nova && specHash !== undefined ? { specHash } : {}),
    ...(nova && spec !== undefined ? { spec } : {}),
  };
}
