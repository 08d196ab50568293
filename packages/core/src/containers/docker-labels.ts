// The labels Nova puts on what it creates in an engine (containers, networks, volumes), and what they
// say when read back: whether Nova made it, and for which project.
import type { EngineObjectOrigin, NewContainer } from '../contract/container-types.js';
import {
  NOVA_MANAGED_LABEL,
  NOVA_NAME_LABEL,
  NOVA_PROJECT_LABEL,
  NOVA_SPEC_HASH_LABEL,
  NOVA_SPEC_LABEL,
} from './container-model.js';

/** Engine networks the engine itself makes. */
export const SYSTEM_NETWORKS = new Set(['bridge', 'host', 'none', 'podman']);

/** The spec as recorded in a label: environment values are left out, they may be secrets. */
export function recordedSpec(spec: NewContainer): string {
  const { env, ...rest } = spec;
  const recorded: Record<string, unknown> = {
    ...rest,
    env: Object.fromEntries(Object.keys(env).map((key) => [key, ''])),
  };
  delete recorded['ownership'];
  delete recorded['labels'];
  return JSON.stringify(recorded);
}

export function novaLabels(
  ownership: NewContainer['ownership'],
  userLabels: Record<string, string> = {},
  recorded?: string,
): Record<string, string> {
  return {
    ...userLabels,
    [NOVA_MANAGED_LABEL]: 'true',
    ...(ownership === undefined
      ? {}
      : {
          [NOVA_PROJECT_LABEL]: ownership.project,
          [NOVA_NAME_LABEL]: ownership.name,
          [NOVA_SPEC_HASH_LABEL]: ownership.specHash,
        }),
    ...(recorded === undefined ? {} : { [NOVA_SPEC_LABEL]: recorded }),
  };
}

/** Who made an object, by its labels, as checkOwnership wants it. */
export function ownerOf(labels: Record<string, string> | null | undefined): {
  nova: boolean;
  project: string | undefined;
} {
  return { nova: labels?.[NOVA_MANAGED_LABEL] === 'true', project: labels?.[NOVA_PROJECT_LABEL] };
}

/** Who made a network: Nova (by its label), the engine itself, or someone else. */
export function originOf(
  name: string,
  labels: Record<string, string> | null | undefined,
): EngineObjectOrigin {
  if (labels?.[NOVA_MANAGED_LABEL] === 'true') return 'nova';
  return SYSTEM_NETWORKS.has(name) ? 'system' : 'external';
}
