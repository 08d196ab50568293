// From a NovaFile's model to the resources it asks for: networks, pools, volumes, domains, containers
// and engine networks, each as the spec Nova would create. Pure: what it needs of the host is passed in.
// Each kind of resource resolves in a module of its own; this one puts them together, and is where the
// rest of Nova imports resolving (and the names and hashes that go with it) from.
import { resolveContainer } from './resolve-container.js';
import { projectName } from './resolve-names.js';
import { resolveNetworks } from './resolve-networks.js';
import { resolveStorage } from './resolve-storage.js';
import type {
  DesiredContainer,
  DesiredState,
  DesiredVm,
  DesiredVolume,
  ResolveContext,
  ResolveIssue,
} from './resolve-types.js';
import { resolveVm } from './resolve-vm.js';
import type { NovaFileModel } from './schema.js';

export { KVM_FAILED, withAccelerator } from './accelerator.js';
export { bridgeNameFor, DEFAULT_DISK_DIRECTORY, DEFAULT_POOL_NAME, projectName } from './resolve-names.js';
export type {
  DesiredBridge,
  DesiredContainer,
  DesiredEngineNetwork,
  DesiredNetwork,
  DesiredPool,
  DesiredState,
  DesiredVm,
  DesiredVolume,
  ResolveContext,
  ResolveIssue,
} from './resolve-types.js';
export { specHash } from './spec-hash.js';

export function resolveDesiredState(model: NovaFileModel, context: ResolveContext): DesiredState {
  const project = projectName(model, context.fileDir);
  const issues: ResolveIssue[] = [];
  const warnings: string[] = [];

  const { networks, bridges, engineNetworks } = resolveNetworks(project, model, context);
  const { pools, poolFor } = resolveStorage(project, model, context, issues);

  const volumes: DesiredVolume[] = [];
  const vms: DesiredVm[] = [];
  for (const [name, vm] of Object.entries(model.vm)) {
    const resolved = resolveVm(project, name, vm, model, context, poolFor, issues);
    volumes.push(...resolved.volumes);
    vms.push(resolved.vm);
  }

  const containers: DesiredContainer[] = [];
  for (const [name, container] of Object.entries(model.container)) {
    containers.push(resolveContainer(project, name, container, model, context));
  }
  if (
    containers.length > 0 &&
    context.defaultEngine === undefined &&
    containers.some((c) => c.engine === undefined)
  ) {
    issues.push({
      path: ['container'],
      message: 'no container engine answers here (Bolt, Docker or Podman)',
      hint: 'start Docker or Podman, then plan again',
    });
  }

  return { project, bridges, networks, pools, volumes, vms, containers, engineNetworks, issues, warnings };
}
