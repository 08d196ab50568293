// `nova image …`: the images of Bolt, Docker and Podman: list, pull (with progress), import from a
// tarball, remove.
import { resolve } from 'node:path';

import type { ImageSummary } from '@nova/core';
import type { Command } from 'commander';

import { table } from '../format.js';
import { checkImageRef } from './container-args.js';
import {
  addEngineListCommand,
  addEngineOption,
  chosenEngine,
  type EngineOption,
  locateIn,
  LOOKUP_ENGINE,
  progressLine,
  shortId,
} from './engine-choice.js';
import {
  addJsonOption,
  type CommandContext,
  done,
  humanBytes,
  type JsonOption,
  reporting,
} from './shared.js';

function formatImageList(images: readonly ImageSummary[]): string {
  if (images.length === 0) return 'No images.';
  const rows = images.flatMap((image) =>
    (image.tags.length === 0 ? ['<none>'] : image.tags).map((tag) => [
      tag,
      image.engine,
      shortId(image.id),
      image.createdAt.replace(/\.\d{3}Z$/, 'Z'),
      humanBytes(image.sizeBytes),
    ]),
  );
  rows.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '') || (a[1] ?? '').localeCompare(b[1] ?? ''));
  return table([['IMAGE', 'ENGINE', 'ID', 'CREATED', 'SIZE'], ...rows]);
}

/** A reference as the engines list it: Docker Hub's and Podman's local prefixes dropped, :latest added. */
export function normalizeImageRef(reference: string): string {
  let ref = reference;
  for (const prefix of ['docker.io/library/', 'docker.io/', 'localhost/']) {
    if (ref.startsWith(prefix)) {
      ref = ref.slice(prefix.length);
      break;
    }
  }
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@') ? ref : `${ref}:latest`;
}

/** Whether `reference` names this image: one of its tags, or its id (or an id prefix of 4+ digits). */
export function imageMatches(reference: string, image: ImageSummary): boolean {
  const wanted = normalizeImageRef(reference);
  if (image.tags.some((tag) => normalizeImageRef(tag) === wanted)) return true;
  const id = /^(sha256:)?([0-9a-f]{4,64})$/.exec(reference)?.[2];
  return id !== undefined && image.id.replace(/^sha256:/, '').startsWith(id);
}

export function registerImageCommands(program: Command, ctx: CommandContext): void {
  const image = program
    .command('image')
    .description('container images of Bolt, Docker and Podman: list, pull, import from a tarball, remove');

  addEngineListCommand(image, ctx, {
    what: 'images',
    read: (engine) => engine.listImages(),
    format: formatImageList,
  });

  addJsonOption(
    addEngineOption(
      image
        .command('pull')
        .description('download an image from its registry (progress on a terminal)')
        .argument('<reference>', 'the image, e.g. docker.io/library/alpine:3.20'),
    ),
  ).action((reference: string, options: JsonOption & EngineOption) =>
    reporting(ctx, options, async () => {
      checkImageRef(reference);
      const engine = await chosenEngine(ctx, options);
      const progress = progressLine(`Pulling ${reference} into ${engine.engine}`);
      try {
        await engine.pullImage(reference, progress.step);
      } finally {
        progress.end();
      }
      done(
        ctx,
        options,
        { engine: engine.engine, image: reference },
        `Pulled ${reference} into ${engine.engine}.`,
      );
    }),
  );

  addJsonOption(
    addEngineOption(
      image
        .command('import')
        .description(
          'load an image from a tarball: an image archive (docker/podman save) or a root file system',
        )
        .argument('<file>', 'the tarball')
        .option('--name <reference>', 'the name to give it (needed for a root file system tarball)'),
    ),
  ).action((file: string, options: JsonOption & EngineOption & { name?: string }) =>
    reporting(ctx, options, async () => {
      if (options.name !== undefined) checkImageRef(options.name);
      const path = resolve(file);
      const engine = await chosenEngine(ctx, options);
      const progress = progressLine(`Importing ${file} into ${engine.engine}`);
      let names: string[];
      try {
        names = await engine.importImage(
          path,
          options.name === undefined ? {} : { reference: options.name },
          progress.step,
        );
      } finally {
        progress.end();
      }
      done(
        ctx,
        options,
        { engine: engine.engine, images: names },
        `Imported ${names.join(', ')} into ${engine.engine}.`,
      );
    }),
  );

  addJsonOption(
    addEngineOption(
      image
        .command('rm')
        .description('remove an image (one that containers use only with --force)')
        .argument('<reference>', 'the image: a name[:tag] or an id')
        .option('-f, --force', 'remove it even if containers use it, or it has several names'),
      LOOKUP_ENGINE,
    ),
  ).action((reference: string, options: JsonOption & EngineOption & { force?: boolean }) =>
    reporting(ctx, options, async () => {
      checkImageRef(reference);
      const engine = await locateIn(ctx, options, 'image', reference, async (candidate) =>
        (await candidate.listImages()).some((summary) => imageMatches(reference, summary)),
      );
      await engine.removeImage(reference, { force: options.force === true });
      done(
        ctx,
        options,
        { engine: engine.engine, image: reference },
        `Removed image ${reference} from ${engine.engine}.`,
      );
    }),
  );
}
