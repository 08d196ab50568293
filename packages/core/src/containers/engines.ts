import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import Docker from 'dockerode';

import { NovaError } from '../contract/errors.js';
import type { EngineName } from '../model/instance.js';

/** Root-owned sockets the helper may relay for users who cannot open them (see docs/architecture.md). */
export const ROOT_ENGINE_SOCKETS: Readonly<Record<'docker' | 'podman', string>> = {
  docker: '/var/run/docker.sock',
  podman: '/run/podman/podman.sock',
};
export const DEFAULT_BOLT_HOST = 'tcp://127.0.0.1:2375';
const REQUEST_TIMEOUT_MS = 5000;

export type EngineEndpoint =
  | { engine: EngineName; kind: 'unix'; socketPath: string; label: string; relayable: boolean }
  | { engine: EngineName; kind: 'tcp'; host: string; port: number; label: string; relayable: false };

export interface EngineProbe {
  endpoint: EngineEndpoint;
  /** `needs-helper`: a root-owned socket this user may not open; the helper can relay it. */
  status: 'ok' | 'unavailable' | 'absent' | 'needs-helper';
  version?: string;
  detail: string;
}

function unixEndpoint(engine: EngineName, socketPath: string): EngineEndpoint {
  const relayable = Object.values(ROOT_ENGINE_SOCKETS).includes(socketPath);
  return { engine, kind: 'unix', socketPath, label: `unix://${socketPath}`, relayable };
}

/** Parses DOCKER_HOST-style addresses: unix:///path or tcp://host:port. */
export function parseEngineAddress(engine: EngineName, address: string): EngineEndpoint {
  if (address.startsWith('unix://')) return unixEndpoint(engine, address.slice('unix://'.length));
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(address);
  if (tcp?.[1] !== undefined && tcp[2] !== undefined) {
    const port = Number(tcp[2]);
    if (port > 0 && port < 65536) {
      return {
        engine,
        kind: 'tcp',
        host: tcp[1].replace(/^\[|\]$/g, ''),
        port,
        label: address,
        relayable: false,
      };
    }
  }
  throw new NovaError(
    'invalid-input',
    `${engine} address "${address}" is not understood`,
    'Use unix:///path/to/socket or tcp://host:port.',
  );
}

/**
 * Where each engine is looked for, in Nova's order: Bolt, then Docker, then Podman (rootless first,
 * then the system service).
 */
export function engineCandidates(
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? 0,
): EngineEndpoint[] {
  const candidates: EngineEndpoint[] = [
    parseEngineAddress('bolt', env['NOVA_BOLT_HOST'] ?? DEFAULT_BOLT_HOST),
    parseEngineAddress('docker', env['DOCKER_HOST'] ?? `unix://${ROOT_ENGINE_SOCKETS.docker}`),
  ];
  const runtimeDir = env['XDG_RUNTIME_DIR'];
  if (uid !== 0 && runtimeDir !== undefined && runtimeDir !== '') {
    candidates.push(unixEndpoint('podman', join(runtimeDir, 'podman', 'podman.sock')));
  }
  candidates.push(unixEndpoint('podman', ROOT_ENGINE_SOCKETS.podman));
  return candidates;
}

export function dockerClient(endpoint: EngineEndpoint): Docker {
  return endpoint.kind === 'unix'
    ? new Docker({ socketPath: endpoint.socketPath, timeout: REQUEST_TIMEOUT_MS })
    : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http', timeout: REQUEST_TIMEOUT_MS });
}

function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/**
 * Whether an engine answers at this endpoint, and if not, why and what to do. A plain probe pings
 * (`/_ping` is instant; Podman's `/version` takes a quarter of a second); `withVersion` also asks for it.
 */
export async function probeEngine(
  endpoint: EngineEndpoint,
  options: { withVersion?: boolean; uid?: number } = {},
): Promise<EngineProbe> {
  const uid = options.uid ?? process.getuid?.() ?? 0;
  if (endpoint.kind === 'unix') {
    try {
      await stat(endpoint.socketPath);
    } catch {
      return { endpoint, status: 'absent', detail: `no socket at ${endpoint.socketPath}` };
    }
  }
  try {
    const client = dockerClient(endpoint);
    if (options.withVersion !== true) {
      await client.ping();
      return { endpoint, status: 'ok', detail: `answers at ${endpoint.label}` };
    }
    const version = (await client.version()) as { Version?: string; ApiVersion?: string };
    return {
      endpoint,
      status: 'ok',
      ...(version.Version === undefined ? {} : { version: version.Version }),
      detail: `answers at ${endpoint.label}${version.ApiVersion === undefined ? '' : ` (API ${version.ApiVersion})`}`,
    };
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'EACCES' || code === 'EPERM') {
      if (endpoint.relayable && uid !== 0) {
        return {
          endpoint,
          status: 'needs-helper',
          detail: `${endpoint.label} is root-owned; Nova reaches it through its helper`,
        };
      }
      return {
        endpoint,
        status: 'unavailable',
        detail: `permission denied on ${endpoint.label}; add this user to the engine's group or use the helper`,
      };
    }
    if (code === 'ECONNREFUSED' && endpoint.kind === 'tcp') {
      return { endpoint, status: 'absent', detail: `nothing listens at ${endpoint.label}` };
    }
    if (code === 'ECONNREFUSED' || code === 'ENOENT') {
      return {
        endpoint,
        status: 'unavailable',
        detail: `${endpoint.label} exists but no ${endpoint.engine} daemon answers it; start the ${endpoint.engine} service`,
      };
    }
    const reason = err instanceof Error ? err.message : String(err);
    return { endpoint, status: 'unavailable', detail: `${endpoint.label} did not answer: ${reason}` };
  }
}
