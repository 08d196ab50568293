// A container of the NovaFile as Nova creates it: the container spec, and the engine it goes to. Pure.
import { normalize } from 'node:path';

import type { ContainerSpec } from '../contract/specs.js';
import { absolute } from './resolve-names.js';
import type { DesiredContainer, ResolveContext } from './resolve-types.js';
import type { ContainerModel, NovaFileModel } from './schema.js';
import { BUILTIN_ENGINE_NETWORKS } from './semantics.js';
import { owned } from './spec-hash.js';

/** A published port as the file writes it: [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]. */
function parsePort(port: string): ContainerSpec['ports'][number] {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(?:(\d{1,5}):)?(\d{1,5})(?:\/(tcp|udp))?$/.exec(port);
  const [, hostIp, hostPort, containerPort = '0', protocol = 'tcp'] = match ?? [];
  return {
    ...(hostIp === undefined ? {} : { hostIp }),
    ...(hostPort === undefined ? {} : { hostPort: Number(hostPort) }),
    containerPort: Number(containerPort),
    protocol: protocol === 'udp' ? 'udp' : 'tcp',
  };
}

export function resolveContainer(
  project: string,
  name: string,
  container: ContainerModel,
  model: NovaFileModel,
  context: ResolveContext,
): DesiredContainer {
  const restartText = container.restart ?? (container.autostart ? 'unless-stopped' : 'no');
  const [restartName = 'no', retries] = restartText.split(':');
  const cpus =
    container.cpus ??
    (container.bolt?.cpu_limit === undefined ? undefined : Number(container.bolt.cpu_limit));
  const memory = container.memory ?? container.bolt?.memory_limit;
  const network = container.network;
  const declared = network === undefined ? undefined : model.network[network];
  // A declared network becomes the engine network <project>_<name>, except host and none, which are the engine's own.
  const engineNetwork =
    network === undefined ||
    declared === undefined ||
    (BUILTIN_ENGINE_NETWORKS as readonly string[]).includes(network)
      ? network
      : declared.type === 'host' || declared.type === 'none'
        ? declared.type
        : `${project}_${network}`;
  const spec = owned<ContainerSpec>({
    name,
    ownership: { project, name },
    image: container.capsule,
    ...(container.command === undefined ? {} : { command: container.command }),
    env: container.env,
    ports: container.ports.map(parsePort),
    mounts: container.volumes.map((volume) => {
      const parts = volume.split(':');
      const [source = '', target = '/', mode] = parts;
      const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
      return {
        type: bind ? 'bind' : 'volume',
        source: bind ? absolute(context.fileDir, source) : source,
        target: normalize(target),
        readOnly: mode === 'ro',
      } as const;
    }),
    ...(engineNetwork === undefined ? {} : { network: engineNetwork }),
    restart: {
      name: restartName as ContainerSpec['restart']['name'],
      ...(retries === undefined ? {} : { maxRetries: Number(retries) }),
    },
    ...(cpus === undefined || !Number.isFinite(cpus) ? {} : { nanoCpus: Math.round(cpus * 1e9) }),
    ...(memory === undefined ? {} : { memoryBytes: memory }),
    readOnly: container.bolt?.read_only ?? false,
    noNewPrivileges: container.bolt?.no_new_privileges ?? false,
    gpus: container.bolt?.gpu_access ?? false,
  });
  const engine =
    container.runtime === undefined || container.runtime === 'auto'
      ? context.defaultEngine
      : container.runtime;
  return { spec, engine, state: container.state };
}
