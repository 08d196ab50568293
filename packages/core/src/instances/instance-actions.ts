// What the desktop app does to one instance (start, shut down, force off, reboot, pause, resume,
// delete), by its id from `instances.list`: a VM by its UUID through the verbs `nova vm` uses too
// (vm-actions.ts, one helper call each), a container through the engine calls of `nova container`, so
// that the GUI and the CLI behave alike.
import type { ContainerManager } from '../containers/container-manager.js';
import type { ContainerEngine } from '../containers/engine.js';
import { NovaError } from '../contract/errors.js';
import type { InstanceAction, InstanceActionResult } from '../contract/features/overview.js';
import type { HelperCall } from '../contract/helper/index.js';
import { EngineName } from '../model/instance.js';
import { vmActions } from './vm-actions.js';

export type ParsedInstanceId =
  { kind: 'vm'; uuid: string } | { kind: 'container'; engine: EngineName; containerId: string };

/** Reads `vm/<uuid>` or `container/<engine>/<id>`; anything else is invalid input. */
export function parseInstanceId(id: string): ParsedInstanceId {
  const vm = /^vm\/([0-9a-f-]{36})$/.exec(id);
  if (vm?.[1] !== undefined) return { kind: 'vm', uuid: vm[1] };
  const container = /^container\/([a-z]+)\/([0-9a-f]{12,64})$/.exec(id);
  const engine = EngineName.safeParse(container?.[1]);
  if (container?.[2] !== undefined && engine.success)
    return { kind: 'container', engine: engine.data, containerId: container[2] };
  throw new NovaError(
    'invalid-input',
    `"${id}" is not an instance id (vm/<uuid> or container/<engine>/<id>)`,
  );
}

export interface InstanceDeps {
  helper: HelperCall;
  containers: ContainerManager;
}

/** How long a shutdown asked from the GUI waits for the guest (it is not forced: Force off is). */
export const GUI_SHUTDOWN_SECONDS = 60;
/** How long a container gets to stop before the engine kills it, as `docker stop` does. */
export const CONTAINER_STOP_SECONDS = 10;

async function vmAction(
  helper: HelperCall,
  uuid: string,
  action: InstanceAction,
  foreign: boolean,
  removeDisks: boolean,
): Promise<InstanceActionResult> {
  const target = { uuid, foreign };
  switch (action) {
    case 'start':
      return { state: (await vmActions.start(helper, target)).state };
    case 'shutdown': {
      const result = await vmActions.stop(helper, target, {
        mode: 'shutdown',
        timeoutSeconds: GUI_SHUTDOWN_SECONDS,
        forceAfterTimeout: false,
      });
      if (result.state !== 'stopped' && result.state !== 'crashed')
        throw new NovaError(
          'failed',
          `the VM did not shut down within ${GUI_SHUTDOWN_SECONDS} s; it is ${result.state}`,
          'The guest may ignore shutdown requests (no ACPI). Use Force off to stop it at once.',
        );
      return { state: result.state };
    }
    case 'force-off':
      return { state: (await vmActions.stop(helper, target, { mode: 'destroy' })).state };
    case 'reboot':
      await vmActions.reboot(helper, target);
      return { state: 'running' };
    case 'pause':
      return { state: (await vmActions.pause(helper, target)).state };
    case 'resume':
      return { state: (await vmActions.resume(helper, target)).state };
    case 'delete': {
      const { removedVolumes } = await vmActions.delete(helper, target, removeDisks);
      return { removed: true, removedVolumes };
    }
  }
}

async function containerAction(
  engine: ContainerEngine,
  containerId: string,
  action: InstanceAction,
  foreign: boolean,
): Promise<InstanceActionResult> {
  const target = { container: containerId, foreign };
  switch (action) {
    case 'start':
      await engine.startContainer(target);
      break;
    case 'shutdown':
      await engine.stopContainer(target, { timeoutSeconds: CONTAINER_STOP_SECONDS });
      break;
    case 'force-off':
      await engine.stopContainer(target, { timeoutSeconds: 0 });
      break;
    case 'reboot':
      await engine.restartContainer(target, { timeoutSeconds: CONTAINER_STOP_SECONDS });
      break;
    case 'pause':
      await engine.pauseContainer(target);
      break;
    case 'resume':
      await engine.resumeContainer(target);
      break;
    case 'delete':
      // Running or not, as `nova container rm --force`; its anonymous volumes stay.
      await engine.removeContainer(target, { force: true, volumes: false });
      return { removed: true };
  }
  return { state: (await engine.inspectContainer(containerId)).state };
}

/** Carries out one action on the instance `id`; errors are NovaErrors that say what failed. */
export async function runInstanceAction(
  deps: InstanceDeps,
  request: { id: string; action: InstanceAction; foreign: boolean; removeDisks?: boolean | undefined },
): Promise<InstanceActionResult> {
  const parsed = parseInstanceId(request.id);
  if (parsed.kind === 'vm')
    return vmAction(deps.helper, parsed.uuid, request.action, request.foreign, request.removeDisks === true);
  const engine = await deps.containers.engine(parsed.engine);
  return containerAction(engine, parsed.containerId, request.action, request.foreign);
}
