import { type ContainerStats, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { container, FakeEngine, novaWith } from './engine-double.js';

const MiB = 1024 * 1024;

function lab(): { docker: FakeEngine; podman: FakeEngine } {
  return {
    docker: new FakeEngine('docker', [
      container('web'),
      container('old', 'stopped'),
      container('theirs', 'running', 'external'),
    ]),
    podman: new FakeEngine('podman', [container('db', 'paused')]),
  };
}

const sample = (name: string, engine: 'docker' | 'podman' = 'docker'): ContainerStats => ({
  engine,
  id: container(name).containerId,
  name,
  at: 0,
  cpuPercent: 12.345,
  memoryBytes: 32 * MiB,
  memoryLimitBytes: 128 * MiB,
  netRxBytes: 2048,
  netTxBytes: 1024,
  blockReadBytes: 0,
  blockWriteBytes: 4 * MiB,
  pids: 3,
});

describe('nova container list', () => {
  it('shows what is up in every engine, with the engine that runs it', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(['container', 'list'], [docker, podman]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'NAME    ENGINE  STATE    IMAGE           ORIGIN    ID',
      'db      podman  paused   busybox:latest  nova      646200000000',
      'theirs  docker  running  busybox:latest  external  746865697273',
      'web     docker  running  busybox:latest  nova      776562000000',
    ]);
  });

  it('shows stopped ones too with --all, and only one engine’s with --engine', async () => {
    const { docker, podman } = lab();
    const all = await novaWith(['container', 'list', '--all', '--engine', 'docker'], [docker, podman]);
    expect(all.stdout).toContain('old');
    expect(all.stdout).not.toContain('db');
    expect(podman.calls).toEqual([]);
  });

  it('prints containers and how each engine answered with --json', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(['container', 'list', '--json'], [docker, podman], {
      problems: [{ id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' }],
    });
    const doc = JSON.parse(run.stdout) as {
      containers: { name: string; engine: string }[];
      sources: unknown[];
    };
    expect(doc.containers.map((c) => `${c.engine}/${c.name}`).sort()).toEqual([
      'docker/theirs',
      'docker/web',
      'podman/db',
    ]);
    expect(doc.sources).toEqual([
      { id: 'bolt', status: 'absent', endpoint: 'tcp://127.0.0.1:2375' },
      { id: 'docker', status: 'ok', endpoint: 'unix:///fake/docker.sock', via: 'direct', count: 3 },
      { id: 'podman', status: 'ok', endpoint: 'unix:///fake/podman.sock', via: 'direct', count: 1 },
    ]);
  });

  it('lists the engines that answer and exits 4 for one that does not', async () => {
    const { docker, podman } = lab();
    podman.failures.listContainers = new NovaError('backend-unavailable', 'podman does not answer');
    const run = await novaWith(['container', 'list'], [docker, podman]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain('web');
    expect(run.stderr).toBe('nova: podman: podman does not answer');
  });

  it('says why when no engine answers at all', async () => {
    const run = await novaWith(['container', 'list'], [], {
      problems: [{ id: 'docker', status: 'absent', endpoint: 'unix:///var/run/docker.sock' }],
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('no container engine answers here');
  });

  it('refuses an engine it does not know (exit 2)', async () => {
    const run = await novaWith(['container', 'list', '--engine', 'lxc'], []);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Allowed choices are bolt, docker, podman');
  });
});

describe('nova container create', () => {
  it('creates with every option on the chosen engine and starts it with --start', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(
      [
        'container',
        'create',
        'busybox:latest',
        '--engine',
        'podman',
        '--name',
        'app',
        '-e',
        'A=1',
        '--env',
        'B=two words',
        '-p',
        '8080:80',
        '--publish',
        '127.0.0.1:5353:53/udp',
        '-v',
        '/srv:/srv:ro',
        '--restart',
        'on-failure:2',
        '--cpus',
        '0.5',
        '--memory',
        '64Mi',
        '--label',
        'team=lab',
        '--read-only',
        '--start',
        '--',
        'sh',
        '-c',
        'sleep 1',
      ],
      [docker, podman],
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(docker.calls).toEqual([]);
    expect(podman.changes()).toEqual([
      {
        method: 'createContainer',
        args: [
          {
            name: 'app',
            image: 'busybox:latest',
            command: ['sh', '-c', 'sleep 1'],
            env: { A: '1', B: 'two words' },
            ports: [
              { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
              { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
            ],
            mounts: [{ type: 'bind', source: '/srv', target: '/srv', readOnly: true }],
            restart: { name: 'on-failure', maxRetries: 2 },
            nanoCpus: 500_000_000,
            memoryBytes: 64 * MiB,
            readOnly: true,
            noNewPrivileges: false,
            gpus: false,
            labels: { team: 'lab' },
          },
        ],
      },
      { method: 'startContainer', args: [{ container: 'app' }] },
    ]);
    expect(run.stdout).toBe('Created container "app" on podman (617070000000); it is running.');
  });

  it('uses NOVA_ENGINE when no --engine is given, else the first engine that answers', async () => {
    const first = lab();
    await novaWith(['container', 'create', 'busybox', '--name', 'a'], [first.docker, first.podman]);
    expect(first.docker.changes().map((c) => c.method)).toEqual(['createContainer']);
    const chosen = lab();
    await novaWith(['container', 'create', 'busybox', '--name', 'a'], [chosen.docker, chosen.podman], {
      preferred: 'podman',
    });
    expect(chosen.docker.calls).toEqual([]);
    expect(chosen.podman.changes().map((c) => c.method)).toEqual(['createContainer']);
  });

  it('refuses bad options with exit 2 before asking any engine', async () => {
    const { docker } = lab();
    for (const args of [
      ['-p', '80'],
      ['-v', 'data'],
      ['--memory', '8GB'],
      ['--restart', 'sometimes'],
      ['--label', 'dev.nova.managed=false'],
    ]) {
      const run = await novaWith(['container', 'create', 'busybox', ...args], [docker]);
      expect(run.code, args.join(' ')).toBe(2);
    }
    expect(docker.calls).toEqual([]);
  });

  it('says the container exists when it was created but did not start', async () => {
    const { docker } = lab();
    docker.failures.startContainer = new NovaError('failed', 'cannot start container app: port in use');
    const run = await novaWith(['container', 'create', 'busybox', '--name', 'app', '--start'], [docker]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('created container "app" on docker, but it did not start: cannot start');
    expect(run.stderr).toContain('nova container rm app --engine docker');
  });
});

describe('container lifecycle', () => {
  it('stops with the given wait and prints the state after', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(['container', 'stop', 'web', '--time', '3'], [docker, podman]);
    expect(run.code).toBe(0);
    expect(docker.changes()).toEqual([
      { method: 'stopContainer', args: [{ container: 'web', foreign: false }, { timeoutSeconds: 3 }] },
    ]);
    expect(run.stdout).toBe('Container "web" on docker is stopped.');
  });

  it('finds the engine that runs the container', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(['container', 'resume', 'db', '--json'], [docker, podman]);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      engine: 'podman',
      container: 'db',
      id: container('db').containerId,
      state: 'running',
    });
  });

  it('starts, restarts, pauses and removes', async () => {
    const { docker } = lab();
    await novaWith(['container', 'start', 'old'], [docker]);
    await novaWith(['container', 'restart', 'web', '-t', '0'], [docker]);
    await novaWith(['container', 'pause', 'web'], [docker]);
    const removed = await novaWith(['container', 'rm', 'web', '--force', '--volumes'], [docker]);
    expect(removed.stdout).toBe('Removed container "web" from docker.');
    expect(docker.changes()).toEqual([
      { method: 'startContainer', args: [{ container: 'old', foreign: false }] },
      { method: 'restartContainer', args: [{ container: 'web', foreign: false }, { timeoutSeconds: 0 }] },
      { method: 'pauseContainer', args: [{ container: 'web', foreign: false }] },
      {
        method: 'removeContainer',
        args: [
          { container: 'web', foreign: false },
          { force: true, volumes: true },
        ],
      },
    ]);
  });

  it('refuses to change a container Nova did not create, and says how to insist', async () => {
    const { docker } = lab();
    const refused = await novaWith(['container', 'stop', 'theirs'], [docker]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('container "theirs" was not created by Nova');
    expect(refused.stderr).toContain('Run the command again with --foreign');
    const insisted = await novaWith(['container', 'stop', 'theirs', '--foreign'], [docker]);
    expect(insisted.code).toBe(0);
    expect(docker.containers.find((c) => c.name === 'theirs')?.state).toBe('stopped');
  });

  it('refuses --foreign with --project, and a bad --time, with exit 2', async () => {
    const { docker } = lab();
    expect((await novaWith(['container', 'stop', 'web', '--foreign', '--project', 'p'], [docker])).code).toBe(
      2,
    );
    expect((await novaWith(['container', 'stop', 'web', '--time', 'soon'], [docker])).code).toBe(2);
    expect(docker.calls).toEqual([]);
  });

  it('asks which engine when two have a container of that name', async () => {
    const docker = new FakeEngine('docker', [container('twin')]);
    const podman = new FakeEngine('podman', [container('twin')]);
    const run = await novaWith(['container', 'stop', 'twin'], [docker, podman]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"twin" names more than one container');
    expect(run.stderr).toContain('--engine docker');
    const chosen = await novaWith(['container', 'stop', 'twin', '--engine', 'podman'], [docker, podman]);
    expect(chosen.code).toBe(0);
    expect(podman.changes().map((c) => c.method)).toEqual(['stopContainer']);
    expect(docker.changes()).toEqual([]);
  });

  it('says which engines it looked in for a name it cannot find', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(['container', 'start', 'ghost'], [docker, podman]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no container "ghost" in docker or podman');
  });

  it('keeps the original Nova’s run, stop and status container', async () => {
    const { docker } = lab();
    expect((await novaWith(['run', 'container', 'old'], [docker])).stdout).toBe(
      'Container "old" on docker is running.',
    );
    expect((await novaWith(['stop', 'container', 'old', '-t', '1'], [docker])).stdout).toBe(
      'Container "old" on docker is stopped.',
    );
    const status = await novaWith(['status', 'container', 'old'], [docker]);
    expect(status.stdout.split('\n').slice(0, 6)).toEqual([
      'Name         old',
      `ID           ${container('old').containerId}`,
      'Engine       docker',
      'Image        busybox:latest (abababababab)',
      'State        stopped (exited)',
      'Owner        Nova',
    ]);
    expect(docker.changes().map((c) => c.method)).toEqual(['startContainer', 'stopContainer']);
  });
});

describe('nova container logs', () => {
  const logs = [
    { stream: 'stdout' as const, time: '2025-03-01T10:00:00.000000001Z', text: 'hello' },
    { stream: 'stderr' as const, time: '2025-03-01T10:00:01.000000001Z', text: 'oops' },
  ];

  it('prints stdout lines on stdout and stderr lines on stderr', async () => {
    const { docker } = lab();
    docker.logs = logs;
    const run = await novaWith(
      ['container', 'logs', 'web', '--tail', '2', '--since', '1700000000', '-t'],
      [docker],
    );
    expect(run.stdout).toBe('2025-03-01T10:00:00.000000001Z hello');
    expect(run.stderr).toBe('2025-03-01T10:00:01.000000001Z oops');
    expect(docker.changes()).toEqual([
      { method: 'containerLogs', args: ['web', { tail: 2, since: 1_700_000_000, timestamps: true }] },
    ]);
  });

  it('follows with -f until the engine says the container stopped', async () => {
    const { docker } = lab();
    docker.logs = logs.map(({ stream, text }) => ({ stream, text }));
    const run = await novaWith(['container', 'logs', '-f', 'web'], [docker]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('hello');
    expect(run.stderr).toBe('oops');
    expect(docker.changes()).toEqual([{ method: 'followLogs', args: ['web', { timestamps: false }, false] }]);
  });

  it('prints one JSON document, or one per line when following', async () => {
    const { docker } = lab();
    docker.logs = logs;
    const once = await novaWith(['container', 'logs', 'web', '--json'], [docker]);
    expect(JSON.parse(once.stdout)).toEqual({ engine: 'docker', container: 'web', entries: logs });
    const followed = await novaWith(['container', 'logs', 'web', '--json', '-f'], [docker]);
    expect(followed.stdout.split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(logs);
  });
});

describe('nova container stats', () => {
  it('prints one sample of every running container with --no-stream', async () => {
    const { docker, podman } = lab();
    docker.stats = [sample('web')];
    podman.stats = [sample('db', 'podman')];
    const run = await novaWith(['container', 'stats', '--no-stream'], [docker, podman]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^NAME +ENGINE +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/m,
    );
    expect(run.stdout).toMatch(
      /^db +podman +12\.35% +32 MiB \/ 128 MiB +25\.00% +2 KiB \/ 1 KiB +0 B \/ 4 MiB +3$/m,
    );
  });

  it('asks only the named containers’ engines, by name, and prints JSON with --json', async () => {
    const { docker, podman } = lab();
    podman.stats = [sample('db', 'podman')];
    const run = await novaWith(['container', 'stats', 'db', '--json'], [docker, podman]);
    expect(JSON.parse(run.stdout)).toEqual({ stats: [sample('db', 'podman')] });
    expect(podman.changes()).toEqual([{ method: 'containerStats', args: [['db']] }]);
    expect(docker.changes()).toEqual([]);
  });

  it('streams until Ctrl-C', async () => {
    const { docker } = lab();
    docker.stats = [sample('web')];
    let shown = (): void => undefined;
    const tableShown = new Promise<void>((resolve) => (shown = resolve));
    const running = novaWith(['container', 'stats'], [docker], {
      onOut: (text) => {
        if (/^web +docker/m.test(text)) shown();
      },
    });
    await tableShown;
    process.emit('SIGINT');
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^web +docker +12\.35%/m);
  });
});

describe('nova container exec', () => {
  it('prints the command’s output and exits with its exit code', async () => {
    const { docker } = lab();
    docker.execResult = { exitCode: 7, stdout: 'hi\nthere\n', stderr: 'oops\n', truncated: false };
    const run = await novaWith(
      [
        'container',
        'exec',
        'web',
        '-e',
        'A=1',
        '-w',
        '/tmp',
        '-u',
        'nobody',
        '--timeout',
        '5',
        '--',
        'sh',
        '-c',
        'exit 7',
      ],
      [docker],
    );
    expect(run.code).toBe(7);
    expect(run.stdout).toBe('hi\nthere');
    expect(run.stderr).toBe('oops');
    expect(docker.changes()).toEqual([
      {
        method: 'exec',
        args: [
          { container: 'web', foreign: false },
          { argv: ['sh', '-c', 'exit 7'], env: ['A=1'], workdir: '/tmp', user: 'nobody', timeoutMs: 5000 },
        ],
      },
    ]);
  });

  it('needs --foreign for a container Nova did not create', async () => {
    const { docker } = lab();
    const run = await novaWith(['container', 'exec', 'theirs', '--', 'true'], [docker]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--foreign');
  });
});

describe('nova container inspect', () => {
  it('prints the details as JSON with --json', async () => {
    const { podman } = lab();
    const run = await novaWith(['container', 'inspect', 'db', '--json'], [podman]);
    expect(JSON.parse(run.stdout)).toMatchObject({ engine: 'podman', name: 'db', state: 'paused' });
  });
});

describe('nova container network and volume', () => {
  it('creates a network with subnet, gateway and internal on the chosen engine', async () => {
    const { docker, podman } = lab();
    const run = await novaWith(
      [
        'container',
        'network',
        'create',
        'lab',
        '--engine',
        'podman',
        '--subnet',
        '10.90.0.0/24',
        '--gateway',
        '10.90.0.1',
        '--internal',
      ],
      [docker, podman],
    );
    expect(run.stdout).toBe('Created network "lab" on podman.');
    expect(podman.changes()).toEqual([
      {
        method: 'createNetwork',
        args: [{ name: 'lab', internal: true, subnet: '10.90.0.0/24', gateway: '10.90.0.1' }],
      },
    ]);
  });

  it('refuses a gateway without a subnet and a bad subnet (exit 2)', async () => {
    const { docker } = lab();
    expect(
      (await novaWith(['container', 'network', 'create', 'x', '--gateway', '10.0.0.1'], [docker])).code,
    ).toBe(2);
    expect(
      (await novaWith(['container', 'network', 'create', 'x', '--subnet', '10.0.0.0'], [docker])).code,
    ).toBe(2);
    expect(docker.calls).toEqual([]);
  });

  it('removes a network from the engine that has it, and asks when two have it', async () => {
    const { docker, podman } = lab();
    const network = (engine: 'docker' | 'podman', origin: 'nova' | 'external' = 'nova') => ({
      engine,
      id: 'n1',
      name: 'lab',
      driver: 'bridge',
      internal: false,
      subnets: [],
      origin,
      containers: [],
    });
    podman.networks = [network('podman')];
    expect((await novaWith(['container', 'network', 'rm', 'lab'], [docker, podman])).stdout).toBe(
      'Removed network "lab" from podman.',
    );
    docker.networks = [network('docker', 'external')];
    const ambiguous = await novaWith(['container', 'network', 'rm', 'lab'], [docker, podman]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('--engine docker');
    const foreign = await novaWith(
      ['container', 'network', 'rm', 'lab', '--engine', 'docker'],
      [docker, podman],
    );
    expect(foreign.stderr).toContain('--foreign');
  });

  it('lists networks and volumes of every engine', async () => {
    const { docker, podman } = lab();
    docker.volumes = [
      {
        engine: 'docker',
        name: 'data',
        driver: 'local',
        mountpoint: '/var/lib/docker/volumes/data',
        origin: 'nova',
      },
    ];
    const volumes = await novaWith(['container', 'volume', 'list'], [docker, podman]);
    expect(volumes.stdout.split('\n')).toEqual([
      'NAME  ENGINE  DRIVER  ORIGIN  MOUNTPOINT',
      'data  docker  local   nova    /var/lib/docker/volumes/data',
    ]);
    const networks = await novaWith(['container', 'network', 'list', '--json'], [docker, podman]);
    expect(JSON.parse(networks.stdout)).toMatchObject({ networks: [] });
  });

  it('creates and removes volumes, with --force', async () => {
    const { docker } = lab();
    docker.volumes = [{ engine: 'docker', name: 'data', driver: 'local', mountpoint: '/x', origin: 'nova' }];
    await novaWith(['container', 'volume', 'create', 'cache', '-l', 'team=lab'], [docker]);
    await novaWith(['container', 'volume', 'rm', 'data', '--force'], [docker]);
    expect(docker.changes()).toEqual([
      { method: 'createVolume', args: [{ name: 'cache', labels: { team: 'lab' } }] },
      { method: 'removeVolume', args: [{ name: 'data', foreign: false }, { force: true }] },
    ]);
  });
});

describe('nova image', () => {
  const busybox = (engine: 'docker' | 'podman', tag: string) => ({
    engine,
    id: `sha256:${'ab'.repeat(32)}`,
    tags: [tag],
    sizeBytes: 2 * MiB,
    createdAt: '2025-03-01T10:00:00.000Z',
  });

  it('lists the images of every engine, one row per name', async () => {
    const { docker, podman } = lab();
    docker.images = [busybox('docker', 'busybox:latest')];
    podman.images = [busybox('podman', 'localhost/busybox:latest')];
    const run = await novaWith(['image', 'list'], [docker, podman]);
    expect(run.stdout.split('\n')).toEqual([
      'IMAGE                     ENGINE  ID            CREATED               SIZE',
      'busybox:latest            docker  abababababab  2025-03-01T10:00:00Z  2 MiB',
      'localhost/busybox:latest  podman  abababababab  2025-03-01T10:00:00Z  2 MiB',
    ]);
  });

  it('pulls on the chosen engine and says so in one line without a terminal', async () => {
    const { docker, podman } = lab();
    podman.progress = [{ id: 'abcdef012345', status: 'Downloading', current: 1, total: 2 }];
    const run = await novaWith(['image', 'pull', 'alpine:3.20', '--engine', 'podman'], [docker, podman]);
    expect(run.stdout).toBe('Pulled alpine:3.20 into podman.');
    expect(run.stderr).toBe('');
    expect(podman.changes()).toEqual([{ method: 'pullImage', args: ['alpine:3.20'] }]);
  });

  it('exits 4 when the registry cannot be reached', async () => {
    const { docker } = lab();
    docker.failures.pullImage = new NovaError(
      'backend-unavailable',
      'cannot pull x:1: its registry cannot be reached (no such host)',
    );
    const run = await novaWith(['image', 'pull', 'x:1'], [docker]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('registry cannot be reached');
  });

  it('imports a tarball by its absolute path, with a name', async () => {
    const { docker } = lab();
    const run = await novaWith(['image', 'import', 'rootfs.tar', '--name', 'example/rootfs:1'], [docker]);
    expect(run.stdout).toBe('Imported example/rootfs:1 into docker.');
    expect(docker.changes()).toEqual([
      { method: 'importImage', args: [`${process.cwd()}/rootfs.tar`, { reference: 'example/rootfs:1' }] },
    ]);
  });

  it('removes an image from the engine that has it; asks which when both have it', async () => {
    const { docker, podman } = lab();
    podman.images = [busybox('podman', 'localhost/busybox:latest')];
    expect((await novaWith(['image', 'rm', 'busybox', '-f'], [docker, podman])).stdout).toBe(
      'Removed image busybox from podman.',
    );
    expect(podman.changes()).toEqual([{ method: 'removeImage', args: ['busybox', { force: true }] }]);
    docker.images = [busybox('docker', 'busybox:latest')];
    const both = await novaWith(['image', 'rm', 'busybox'], [docker, podman]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('image "busybox" is in more than one engine: docker, podman');
    const none = await novaWith(['image', 'rm', 'alpine'], [docker, podman]);
    expect(none.stderr).toContain('no image "alpine" in docker or podman');
  });
});
