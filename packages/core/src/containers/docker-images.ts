// The images of an engine: listing them, pulling one from its registry, importing one from a tarball
// (an image archive, or a root file system made into an image), and removing one.
import { createReadStream } from 'node:fs';

import type { ImageProgress, ImageSummary } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { DockerClients } from './docker-client.js';
import { engineError, reasonOf, statusOf } from './docker-errors.js';
import { forEachJsonLine } from './docker-streams.js';
import { type TarballKind, tarballKind } from './tarball.js';

/** Splits `repo[:tag]` where the tag is after the last slash. */
export function splitReference(reference: string): { repo: string; tag: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repo: reference.slice(0, at), tag: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repo: reference, tag: 'latest' };
}

/** A line of pull or import progress as Nova's ImageProgress, or undefined for one that says nothing. */
function progressOf(value: unknown): ImageProgress | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as {
    id?: unknown;
    status?: unknown;
    stream?: unknown;
    progressDetail?: { current?: unknown; total?: unknown };
  };
  const status =
    typeof event.status === 'string'
      ? event.status
      : typeof event.stream === 'string'
        ? event.stream.trim()
        : '';
  if (status === '') return undefined;
  const current = event.progressDetail?.current;
  const total = event.progressDetail?.total;
  return {
    ...(typeof event.id === 'string' && event.id !== '' ? { id: event.id } : {}),
    status,
    ...(typeof current === 'number' && current >= 0 ? { current } : {}),
    ...(typeof total === 'number' && total >= 0 ? { total } : {}),
  };
}

/** The failure a line of pull or import progress reports, if it reports one. */
function errorInProgress(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const event = value as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof event.errorDetail?.message === 'string') return event.errorDetail.message;
  return typeof event.error === 'string' ? event.error : undefined;
}

/** A pull failure in the user's words: unreachable registry, unknown image, or something else. */
export function pullError(reference: string, reason: string): NovaError {
  if (
    /no such host|dial tcp|connection refused|i\/o timeout|network is unreachable|TLS handshake|lookup /i.test(
      reason,
    )
  ) {
    return new NovaError(
      'backend-unavailable',
      `cannot pull ${reference}: its registry cannot be reached (${reason})`,
      'Check this host’s network and proxy settings, or import the image from a tarball: nova image import FILE.',
    );
  }
  if (
    /not found|manifest unknown|does not exist|pull access denied|unauthorized|repository .* not/i.test(
      reason,
    )
  ) {
    return new NovaError(
      'not-found',
      `cannot pull ${reference}: the registry has no such image, or refuses it without a login (${reason})`,
      'Check the image’s name and tag.',
    );
  }
  return new NovaError('failed', `cannot pull ${reference}: ${reason}`);
}

/** The engine's images (the top-level ones, as `docker images` lists them). */
export async function listImages(docker: DockerClients): Promise<ImageSummary[]> {
  try {
    const images = (await docker.quick.listImages({ all: false })) as {
      Id: string;
      RepoTags?: string[] | null;
      Size?: number;
      Created?: number;
      Containers?: number;
    }[];
    return images.map((image) => ({
      engine: docker.engine,
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
      sizeBytes: Math.max(0, image.Size ?? 0),
      createdAt: new Date((image.Created ?? 0) * 1000).toISOString(),
      ...(typeof image.Containers === 'number' && image.Containers >= 0
        ? { containers: image.Containers }
        : {}),
    }));
  } catch (err) {
    throw engineError(docker.engine, `list the images of ${docker.engine}`, err);
  }
}

/** Pulls an image from its registry, telling each step of the way to `onProgress`. */
export async function pullImage(
  docker: DockerClients,
  reference: string,
  onProgress?: (progress: ImageProgress) => void,
): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.slow.pull(reference);
  } catch (err) {
    if (statusOf(err) !== undefined) throw pullError(reference, reasonOf(err));
    throw engineError(docker.engine, `pull ${reference}`, err);
  }
  let failure: string | undefined;
  await forEachJsonLine(stream, (value) => {
    failure ??= errorInProgress(value);
    const progress = progressOf(value);
    if (progress !== undefined) onProgress?.(progress);
  });
  if (failure !== undefined) throw pullError(reference, failure);
}

/** Imports an image from a tarball file this process may read; returns the names it got. */
export async function importImage(
  docker: DockerClients,
  path: string,
  options: { reference?: string },
  onProgress?: (progress: ImageProgress) => void,
): Promise<string[]> {
  const kind = await tarballKind(path);
  return importImageFrom(docker, kind, () => createReadStream(path), options, onProgress);
}

/** Imports from a stream the caller opens: the helper opens it with its caller's rights. */
export async function importImageFrom(
  docker: DockerClients,
  kind: TarballKind,
  open: () => NodeJS.ReadableStream,
  options: { reference?: string },
  onProgress?: (progress: ImageProgress) => void,
): Promise<string[]> {
  if (kind === 'rootfs' && options.reference === undefined) {
    throw new NovaError(
      'invalid-input',
      'this tarball is a root file system, not an image archive, so it has no name of its own',
      'Give the image a name: nova image import FILE --name example/rootfs:1.0.',
    );
  }
  let failure: string | undefined;
  const names: string[] = [];
  const progress = (value: unknown) => {
    failure ??= errorInProgress(value);
    const step = progressOf(value);
    if (step === undefined) return;
    onProgress?.(step);
    const loaded = /^Loaded image(?: ID)?:\s*(\S+)/.exec(step.status);
    if (loaded?.[1] !== undefined) names.push(loaded[1]);
    else if (kind === 'rootfs' && /^sha256:[0-9a-f]{64}$/.test(step.status)) names.push(step.status);
    else if (kind === 'rootfs' && step.id !== undefined && /^sha256:[0-9a-f]{64}$/.test(step.id))
      names.push(step.id);
  };
  try {
    if (kind === 'archive') {
      await forEachJsonLine(await docker.slow.loadImage(open(), { quiet: false }), progress);
    } else {
      // Imported without a name, then named: Podman's API ignores the tag of an import.
      await forEachJsonLine(await docker.slow.importImage(open(), {}), progress);
    }
  } catch (err) {
    throw engineError(docker.engine, 'import the image', err);
  }
  if (failure !== undefined) throw new NovaError('failed', `cannot import the image: ${failure}`);
  if (names.length === 0) throw new NovaError('failed', `${docker.engine} did not say which image it loaded`);
  if (options.reference !== undefined && names[0] !== undefined) {
    const { repo, tag } = splitReference(options.reference);
    try {
      await docker.quick.getImage(names[0]).tag({ repo, tag });
    } catch (err) {
      throw engineError(docker.engine, `name the loaded image ${options.reference}`, err);
    }
    return kind === 'rootfs' ? [options.reference] : [options.reference, ...names];
  }
  return names;
}

/** Removes an image; one that containers use only with `force`. */
export async function removeImage(
  docker: DockerClients,
  reference: string,
  options: { force?: boolean } = {},
): Promise<void> {
  try {
    await docker.quick.getImage(reference).remove({ force: options.force === true });
  } catch (err) {
    if (statusOf(err) === 404)
      throw new NovaError('not-found', `${docker.engine} has no image "${reference}"`);
    if (statusOf(err) === 409)
      throw new NovaError(
        'conflict',
        `image ${reference} is in use: ${reasonOf(err)}`,
        'Remove the containers that use it first, or remove it with --force.',
      );
    throw engineError(docker.engine, `remove image ${reference}`, err);
  }
}
