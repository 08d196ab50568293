// Running a one-off command in a container (`nova container exec`): its output is collected, up to a
// limit, and its exit code read once it has finished.
import type Docker from 'dockerode';

import type { ContainerTarget, ExecRequest, ExecResult } from '../contract/container-types.js';
import { NovaError } from '../contract/errors.js';
import type { DockerClients } from './docker-client.js';
import { engineError } from './docker-errors.js';
import { readFrames } from './docker-frames.js';
import { ownedContainer } from './docker-inspect.js';
import { destroyStream } from './docker-streams.js';

/** Output of a one-off exec past this is dropped (and said so). */
export const EXEC_OUTPUT_LIMIT = 1024 * 1024;
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/** Runs a command in a running container Nova may change, and waits for it (up to the request's timeout). */
export async function execInContainer(
  docker: DockerClients,
  target: ContainerTarget,
  request: ExecRequest,
): Promise<ExecResult> {
  const ref = target.container;
  const raw = await ownedContainer(docker, target);
  if (raw.State?.Status !== 'running')
    throw new NovaError(
      'conflict',
      `container ${ref} is not running`,
      `Start it first: nova container start ${ref}.`,
    );
  let exec: Docker.Exec;
  try {
    exec = await docker.slow.getContainer(raw.Id).exec({
      Cmd: request.argv,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(request.env === undefined ? {} : { Env: request.env }),
      ...(request.workdir === undefined ? {} : { WorkingDir: request.workdir }),
      ...(request.user === undefined ? {} : { User: request.user }),
    });
  } catch (err) {
    throw engineError(docker.engine, `run a command in container ${ref}`, err);
  }
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], size: 0, truncated: false };
  const keep = (which: 'stdout' | 'stderr', chunk: Buffer): void => {
    const room = EXEC_OUTPUT_LIMIT - out.size;
    if (room <= 0) out.truncated = true;
    else {
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (kept.length < chunk.length) out.truncated = true;
      // A frame's payload is a view of the reader's buffer: keep a copy.
      out[which].push(Buffer.from(kept));
      out.size += kept.length;
    }
  };
  const timeoutMs = request.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  let stream: NodeJS.ReadableStream;
  try {
    stream = await exec.start({ hijack: true, stdin: false });
  } catch (err) {
    throw engineError(docker.engine, `run a command in container ${ref}`, err);
  }
  const finished = await new Promise<'done' | 'timeout'>((resolve) => {
    const timer = setTimeout(() => {
      destroyStream(stream);
      resolve('timeout');
    }, timeoutMs);
    readFrames(stream, keep);
    const done = () => {
      clearTimeout(timer);
      resolve('done');
    };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', done);
  });
  if (finished === 'timeout')
    throw new NovaError(
      'failed',
      `the command in container ${ref} did not finish within ${timeoutMs} ms`,
      'It may still be running inside the container; give a longer --timeout for long commands.',
    );
  let exitCode = -1;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const info = (await exec.inspect()) as { Running?: boolean; ExitCode?: number | null };
    if (info.Running !== true && typeof info.ExitCode === 'number') {
      exitCode = info.ExitCode;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    exitCode,
    stdout: Buffer.concat(out.stdout).toString('utf8'),
    stderr: Buffer.concat(out.stderr).toString('utf8'),
    truncated: out.truncated,
  };
}
