// The named volumes of an engine: listing them, creating Nova's, and removing one.
import type {
  EngineObjectTarget,
  EngineVolumeSummary,
  NewEngineVolume,
} from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { DockerClients } from './docker-client.js';
import { engineError, reasonOf, statusOf } from './docker-errors.js';
import { novaLabels, ownerOf } from './docker-labels.js';
import { checkOwnership } from './engine.js';

/** The engine's named volumes. */
export async function listVolumes(docker: DockerClients): Promise<EngineVolumeSummary[]> {
  try {
    const reply = (await docker.quick.listVolumes()) as {
      Volumes?:
        | {
            Name: string;
            Driver?: string;
            Mountpoint?: string;
            CreatedAt?: string;
            Labels?: Record<string, string> | null;
          }[]
        | null;
    };
    return (reply.Volumes ?? []).map((volume) => {
      const { nova, project } = ownerOf(volume.Labels);
      return {
        engine: docker.engine,
        name: volume.Name,
        driver: volume.Driver ?? 'local',
        mountpoint: volume.Mountpoint ?? '',
        ...(volume.CreatedAt === undefined ? {} : { createdAt: volume.CreatedAt }),
        origin: nova ? ('nova' as const) : ('external' as const),
        ...(nova && project !== undefined ? { project } : {}),
      };
    });
  } catch (err) {
    throw engineError(docker.engine, `list the volumes of ${docker.engine}`, err);
  }
}

/** Creates a volume labelled as Nova's; a name the engine has already is a conflict. */
export async function createVolume(docker: DockerClients, spec: NewEngineVolume): Promise<void> {
  try {
    const existing = await docker.quick
      .getVolume(spec.name)
      .inspect()
      .then(
        () => true,
        (err: unknown) => {
          if (statusOf(err) === 404) return false;
          throw err;
        },
      );
    // Docker answers "created" for a name it has already; Nova says it is taken.
    if (existing)
      throw new NovaError('conflict', `${docker.engine} has a volume named "${spec.name}" already`);
    await docker.quick.createVolume({ Name: spec.name, Labels: novaLabels(spec.ownership, spec.labels) });
  } catch (err) {
    throw engineError(docker.engine, `create volume ${spec.name}`, err);
  }
}

/** Removes a volume this change may touch. */
export async function removeVolume(
  docker: DockerClients,
  target: EngineObjectTarget,
  options: { force?: boolean } = {},
): Promise<void> {
  const { name } = target;
  try {
    const info = (await docker.quick.getVolume(name).inspect()) as {
      Labels?: Record<string, string> | null;
    };
    checkOwnership('volume', name, target, ownerOf(info.Labels));
    await docker.quick.getVolume(name).remove({ force: options.force === true });
  } catch (err) {
    if (statusOf(err) === 404) throw new NovaError('not-found', `${docker.engine} has no volume "${name}"`);
    if (statusOf(err) === 409)
      throw new NovaError(
        'conflict',
        `volume ${name} is in use: ${reasonOf(err)}`,
        'Remove the containers that use it first.',
      );
    throw engineError(docker.engine, `remove volume ${name}`, err);
  }
}
