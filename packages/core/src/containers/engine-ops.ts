// Creating, starting, stopping and removing containers and engine networks through dockerode, with
// Nova's labels, so that a later plan knows what Nova made and what it applied.
import type Docker from 'dockerode';

import { NovaError } from '../contract/errors.js';
import type { ContainerSpec, EngineNetworkSpec } from '../contract/specs.js';
import {
  NOVA_MANAGED_LABEL,
  NOVA_NAME_LABEL,
  NOVA_PROJECT_LABEL,
  NOVA_SPEC_HASH_LABEL,
  NOVA_SPEC_LABEL,
} from './container-model.js';

/** The spec as recorded in a label: environment values are left out, they may be secrets. */
export function recordedSpec(spec: ContainerSpec): string {
  const { env, ...rest } = spec;
  const recorded: Record<string, unknown> = {
    ...rest,
    env: Object.fromEntries(Object.keys(env).map((key) => [key, ''])),
  };
  delete recorded['ownership'];
  return JSON.stringify(recorded);
}

export function novaLabels(
  spec: { ownership: ContainerSpec['ownership'] },
  recorded?: string,
): Record<string, string> {
  return {
    [NOVA_MANAGED_LABEL]: 'true',
    [NOVA_PROJECT_LABEL]: spec.ownership.project,
    [NOVA_NAME_LABEL]: spec.ownership.name,
    [NOVA_SPEC_HASH_LABEL]: spec.ownership.specHash,
    ...(recorded === undefined ? {} : { [NOVA_SPEC_LABEL]: recorded }),
  };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number'
    ? err.statusCode
    : undefined;
}

function reasonOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = (err as { json?: { message?: unknown } }).json;
    if (typeof json?.message === 'string') return json.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Makes sure the image is there, pulling it when it is not. */
export async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (err) {
    if (statusOf(err) !== 404)
      throw new NovaError('backend-unavailable', `cannot look up image ${image}: ${reasonOf(err)}`);
  }
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => {
        if (err === null) resolve();
        else reject(err);
      });
    });
  } catch (err) {
    throw new NovaError(
      'failed',
      `image ${image} is not here and could not be pulled: ${reasonOf(err)}`,
      'Pull or import the image, or check its name.',
    );
  }
}

export async function createContainer(docker: Docker, spec: ContainerSpec): Promise<string> {
  await ensureImage(docker, spec.image);
  const portBindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
  const exposed: Record<string, object> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposed[key] = {};
    if (port.hostPort !== undefined) {
      (portBindings[key] ??= []).push({
        ...(port.hostIp === undefined ? {} : { HostIp: port.hostIp }),
        HostPort: String(port.hostPort),
      });
    }
  }
  try {
    const container = await docker.createContainer({
      name: spec.name,
      Image: spec.image,
      ...(spec.command === undefined ? {} : { Cmd: spec.command }),
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Labels: novaLabels(spec, recordedSpec(spec)),
      ExposedPorts: exposed,
      HostConfig: {
        PortBindings: portBindings,
        Binds: spec.mounts.map((mount) => `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`),
        RestartPolicy: {
          Name: spec.restart.name === 'no' ? '' : spec.restart.name,
          ...(spec.restart.maxRetries === undefined ? {} : { MaximumRetryCount: spec.restart.maxRetries }),
        },
        ...(spec.nanoCpus === undefined ? {} : { NanoCpus: spec.nanoCpus }),
        ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes }),
        ReadonlyRootfs: spec.readOnly,
        ...(spec.noNewPrivileges ? { SecurityOpt: ['no-new-privileges'] } : {}),
        ...(spec.network === undefined ? {} : { NetworkMode: spec.network }),
        ...(spec.gpus ? { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] } : {}),
      },
    });
    return container.id;
  } catch (err) {
    if (statusOf(err) === 409)
      throw new NovaError('conflict', `a container named "${spec.name}" exists already`);
    throw new NovaError('failed', `could not create container "${spec.name}": ${reasonOf(err)}`);
  }
}

export async function startContainer(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getContainer(name).start();
  } catch (err) {
    if (statusOf(err) === 304) return;
    throw new NovaError('failed', `could not start container "${name}": ${reasonOf(err)}`);
  }
}

export async function stopContainer(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getContainer(name).stop({ t: 10 });
  } catch (err) {
    if (statusOf(err) === 304) return;
    throw new NovaError('failed', `could not stop container "${name}": ${reasonOf(err)}`);
  }
}

export async function removeContainer(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getContainer(name).remove({ force: true, v: false });
  } catch (err) {
    if (statusOf(err) === 404) return;
    throw new NovaError('failed', `could not remove container "${name}": ${reasonOf(err)}`);
  }
}

export async function createEngineNetwork(docker: Docker, spec: EngineNetworkSpec): Promise<void> {
  try {
    await docker.createNetwork({
      Name: spec.name,
      Driver: 'bridge',
      Internal: spec.internal,
      CheckDuplicate: true,
      Labels: novaLabels(spec),
      ...(spec.subnet === undefined
        ? {}
        : {
            IPAM: {
              Config: [
                { Subnet: spec.subnet, ...(spec.gateway === undefined ? {} : { Gateway: spec.gateway }) },
              ],
            },
          }),
    });
  } catch (err) {
    throw new NovaError('failed', `could not create network "${spec.name}": ${reasonOf(err)}`);
  }
}

export async function removeEngineNetwork(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getNetwork(name).remove();
  } catch (err) {
    if (statusOf(err) === 404) return;
    throw new NovaError('failed', `could not remove network "${name}": ${reasonOf(err)}`);
  }
}

export interface EngineNetworkInfo {
  name: string;
  project: string | undefined;
  nova: boolean;
}

export async function listEngineNetworks(docker: Docker): Promise<EngineNetworkInfo[]> {
  const networks = (await docker.listNetworks()) as {
    Name: string;
    Labels?: Record<string, string> | null;
  }[];
  return networks.map((network) => ({
    name: network.Name,
    nova: network.Labels?.[NOVA_MANAGED_LABEL] === 'true',
    project: network.Labels?.[NOVA_PROJECT_LABEL],
  }));
}
