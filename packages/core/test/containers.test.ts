import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import {
  containerStateFromEngine,
  containerSummaryFromEngine,
  NOVA_MANAGED_LABEL,
} from '../src/containers/container-model.js';
import { chooseEndpoints } from '../src/containers/engine-discovery.js';
import {
  engineCandidates,
  type EngineProbe,
  parseEngineAddress,
  probeEngine,
} from '../src/containers/engines.js';

describe('container states', () => {
  it('map Docker’s and Podman’s states to Nova’s', () => {
    const states = [
      'created',
      'running',
      'paused',
      'restarting',
      'removing',
      'exited',
      'dead',
      'configured',
      'weird',
    ];
    expect(states.map(containerStateFromEngine)).toEqual([
      'stopped',
      'running',
      'paused',
      'starting',
      'stopping',
      'stopped',
      'crashed',
      'stopped',
      'unknown',
    ]);
  });

  it('take the name without its slash and the origin from Nova’s label', () => {
    const info = {
      Id: 'abc123',
      Names: ['/web'],
      Image: 'busybox',
      State: 'running',
      Labels: { [NOVA_MANAGED_LABEL]: 'true' },
    };
    expect(containerSummaryFromEngine(info)).toEqual({
      containerId: 'abc123',
      name: 'web',
      state: 'running',
      origin: 'nova',
      image: 'busybox',
    });
    expect(containerSummaryFromEngine({ ...info, Labels: null, Names: null }).origin).toBe('external');
    expect(containerSummaryFromEngine({ ...info, Names: [] }).name).toBe('abc123');
  });
});

describe('engine addresses', () => {
  it('understand unix and tcp addresses', () => {
    expect(parseEngineAddress('docker', 'unix:///var/run/docker.sock')).toMatchObject({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
      relayable: true,
    });
    expect(parseEngineAddress('bolt', 'tcp://127.0.0.1:2375')).toMatchObject({
      kind: 'tcp',
      host: '127.0.0.1',
      port: 2375,
    });
    expect(parseEngineAddress('docker', 'tcp://[::1]:2376')).toMatchObject({
      kind: 'tcp',
      host: '::1',
      port: 2376,
    });
  });

  it('refuse what they do not understand, saying what would work', () => {
    let thrown: unknown;
    try {
      parseEngineAddress('docker', 'ssh://host');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({
      code: 'invalid-input',
      message: 'docker address "ssh://host" is not understood',
      detail: 'Use unix:///path/to/socket or tcp://host:port.',
    });
    expect(() => parseEngineAddress('docker', 'tcp://host:99999')).toThrow();
  });

  it('are looked for in Nova’s order: Bolt, Docker, then Podman rootless before rootful', () => {
    const candidates = engineCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000);
    expect(candidates.map((c) => `${c.engine} ${c.label}`)).toEqual([
      'bolt tcp://127.0.0.1:2375',
      'docker unix:///var/run/docker.sock',
      'podman unix:///run/user/1000/podman/podman.sock',
      'podman unix:///run/podman/podman.sock',
    ]);
    expect(
      engineCandidates({ DOCKER_HOST: 'unix:///tmp/d.sock', NOVA_BOLT_HOST: 'tcp://10.0.0.1:2375' }, 0).map(
        (c) => c.label,
      ),
    ).toEqual(['tcp://10.0.0.1:2375', 'unix:///tmp/d.sock', 'unix:///run/podman/podman.sock']);
  });
});

describe('probeEngine', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('calls a missing socket absent', async () => {
    const probe = await probeEngine(parseEngineAddress('docker', 'unix:///nonexistent/docker.sock'));
    expect(probe.status).toBe('absent');
  });

  it('calls a TCP port where nothing listens absent', async () => {
    const probe = await probeEngine(parseEngineAddress('bolt', 'tcp://127.0.0.1:1'));
    expect(probe).toMatchObject({ status: 'absent', detail: 'nothing listens at tcp://127.0.0.1:1' });
  });

  it('calls a socket that answers something else unavailable', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nova-probe-')), 'engine.sock');
    const listening = createServer((socket) => socket.end('HTTP/1.1 500 Nope\r\nContent-Length: 0\r\n\r\n'));
    server = listening;
    await new Promise<void>((resolve) => listening.listen(path, resolve));
    const probe = await probeEngine(parseEngineAddress('docker', `unix://${path}`));
    expect(probe.status).toBe('unavailable');
  });
});

describe('chooseEndpoints', () => {
  const probe = (engine: 'podman' | 'docker', label: string, status: EngineProbe['status']): EngineProbe => ({
    endpoint: parseEngineAddress(engine, label),
    status,
    detail: '',
  });

  it('takes the first endpoint that answers for each engine', () => {
    const chosen = chooseEndpoints([
      probe('podman', 'unix:///run/user/1000/podman/podman.sock', 'absent'),
      probe('podman', 'unix:///run/podman/podman.sock', 'needs-helper'),
      probe('docker', 'unix:///var/run/docker.sock', 'ok'),
    ]);
    expect(chosen.get('podman')?.endpoint.label).toBe('unix:///run/podman/podman.sock');
    expect(chosen.get('docker')?.status).toBe('ok');
  });

  it('prefers a rootless engine that answers over the system one', () => {
    const chosen = chooseEndpoints([
      probe('podman', 'unix:///run/user/1000/podman/podman.sock', 'ok'),
      probe('podman', 'unix:///run/podman/podman.sock', 'ok'),
    ]);
    expect(chosen.get('podman')?.endpoint.label).toBe('unix:///run/user/1000/podman/podman.sock');
  });
});
