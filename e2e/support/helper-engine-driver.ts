// A tiny program that uses a root-owned engine through Nova's helper (HelperEngine) as whoever runs it:
// the integration tests bundle it and run it as the lab's test users, so that the helper sees their bus
// name, their uid and their file rights, as it would for the CLI or the app.
//
//   node driver.mjs ENGINE METHOD [ARGS-JSON]   one HelperEngine method, ARGS a JSON array
//   node driver.mjs ENGINE call HELPER-METHOD INPUT-JSON   one helper method, bypassing HelperEngine
//   node driver.mjs ENGINE watch   HelperEngine.watch until stdin closes
//
// Prints one JSON line: {"ok":true,"value":…,"progress":[…]} or {"ok":false,"error":{code,message,detail}}.
// `watch` prints {"status":…} and {"event":…} lines as they come.
import { type HelperMethodName, helperMethods, type ImageProgress, toErrorData } from '@nova/core';
import { HelperClient, HelperEngine } from '@nova/core/node';

const METHODS = [
  'listContainers',
  'inspectContainer',
  'createContainer',
  'startContainer',
  'stopContainer',
  'restartContainer',
  'pauseContainer',
  'resumeContainer',
  'removeContainer',
  'containerLogs',
  'containerStats',
  'exec',
  'listImages',
  'pullImage',
  'importImage',
  'removeImage',
  'listNetworks',
  'createNetwork',
  'removeNetwork',
  'connectNetwork',
  'disconnectNetwork',
  'listVolumes',
  'createVolume',
  'removeVolume',
] as const;
type Method = (typeof METHODS)[number];

/** Writes one JSON line; resolves once it is out (a pipe is written asynchronously, and exit would cut it). */
function print(value: unknown): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(`${JSON.stringify(value)}\n`, () => {
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const [engineName, method, ...rest] = process.argv.slice(2);
  if (engineName !== 'docker' && engineName !== 'podman') throw new Error(`unknown engine ${engineName}`);
  const client = await HelperClient.connect();
  const engine = new HelperEngine(engineName, () => Promise.resolve(client));
  try {
    if (method === 'watch') {
      const stop = engine.watch({
        event: (event) => {
          void print({ event });
        },
        status: (status) => {
          void print({ status });
        },
      });
      await new Promise((resolve) => {
        process.stdin.on('close', resolve);
        process.stdin.on('end', resolve);
        process.stdin.resume();
      });
      stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      return;
    }
    if (method === 'call') {
      const [name, input] = rest;
      if (name === undefined || !Object.hasOwn(helperMethods, name))
        throw new Error(`unknown method ${name}`);
      const value: unknown = await client.call(name as HelperMethodName, JSON.parse(input ?? '{}') as never);
      await print({ ok: true, value });
      return;
    }
    if (!METHODS.includes(method as Method)) throw new Error(`unknown HelperEngine method ${method}`);
    const args = JSON.parse(rest[0] ?? '[]') as unknown[];
    const progress: ImageProgress[] = [];
    if (method === 'pullImage' || method === 'importImage') {
      // Their last argument is the progress callback.
      while (args.length < (method === 'pullImage' ? 1 : 2)) args.push({});
      args.push((step: ImageProgress) => progress.push(step));
    }
    const methods = engine as unknown as Record<string, (...values: unknown[]) => Promise<unknown>>;
    const value = await methods[method as Method]?.(...args);
    await print({ ok: true, value: value ?? null, progress });
  } finally {
    client.close();
  }
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    await print({ ok: false, error: toErrorData(err) });
    process.exit(0);
  },
);
