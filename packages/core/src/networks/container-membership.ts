// Putting a container on a network of its engine, and taking it off, where the engine is reached directly:
// the CLI or the backend with the engine's socket, and the helper for the root-owned engines. Nova changes
// only the containers it created unless the caller says `foreign`; the network may be any of the engine's
// (its default "bridge" too), since the container is what changes.
import { type DockerEngine, engineError, statusOf } from '../containers/docker-engine.js';
import { checkOwnership } from '../containers/engine.js';
import type { ContainerTarget } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';

export type MembershipChange = 'connect' | 'disconnect';

export async function changeContainerNetwork(
  engine: DockerEngine,
  network: string,
  target: ContainerTarget,
  change: MembershipChange,
): Promise<void> {
  const details = await engine.inspectContainer(target.container);
  // Named as the user knows it, though the caller may have passed its id.
  const container = details.name === '' ? target.container : details.name;
  checkOwnership('container', container, target, {
    nova: details.origin === 'nova',
    project: details.project,
  });
  const what = `${change} container ${container} ${change === 'connect' ? 'to' : 'from'} network ${network}`;
  const handle = engine.client.getNetwork(network);
  let info: { Name?: string; Id?: string };
  try {
    info = await handle.inspect();
  } catch (err) {
    if (statusOf(err) === 404)
      throw new NovaError(
        'not-found',
        `${engine.engine} has no network "${network}"`,
        'nova network list shows every network.',
      );
    throw engineError(engine.engine, what, err);
  }
  const on = details.networks.some((entry) => entry.name === network || entry.name === info.Name);
  if (change === 'connect' && on)
    throw new NovaError(
      'conflict',
      `container ${container} is on ${engine.engine} network "${network}" already`,
    );
  if (change === 'disconnect' && !on)
    throw new NovaError(
      'not-found',
      `container ${container} is not on ${engine.engine} network "${network}"`,
      `nova network inspect ${network} lists its members.`,
    );
  try {
    // By id: the container looked up and checked above is the one that changes.
    if (change === 'connect') await handle.connect({ Container: details.id });
    else await handle.disconnect({ Container: details.id, Force: true });
  } catch (err) {
    throw engineError(engine.engine, what, err);
  }
}
