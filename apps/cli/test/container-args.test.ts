import { NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import {
  containerTargetOf,
  execRequestOf,
  generatedName,
  newContainerOf,
  parseCpus,
  parseEnv,
  parseLabels,
  parseMemory,
  parsePublish,
  parseRestart,
  parseSince,
  parseTail,
  parseVolume,
} from '../src/commands/container-args.js';
import { imageMatches, normalizeImageRef } from '../src/commands/image.js';

function invalid(work: () => unknown): NovaError {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(NovaError);
    expect((err as NovaError).code).toBe('invalid-input');
    return err as NovaError;
  }
  throw new Error('expected invalid input');
}

describe('--publish', () => {
  it('reads host:container, ip:host:container and a protocol', () => {
    expect(parsePublish('8080:80')).toEqual({ hostPort: 8080, containerPort: 80, protocol: 'tcp' });
    expect(parsePublish('127.0.0.1:5432:5432')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: 5432,
      containerPort: 5432,
      protocol: 'tcp',
    });
    expect(parsePublish('5353:53/udp')).toEqual({ hostPort: 5353, containerPort: 53, protocol: 'udp' });
  });

  it('refuses a port alone, a port out of range, an unknown protocol and a bad address', () => {
    expect(invalid(() => parsePublish('80')).message).toContain('both a host port and a container port');
    expect(invalid(() => parsePublish('70000:80')).message).toContain('"70000" is not a port');
    expect(invalid(() => parsePublish('0:80')).message).toContain('"0" is not a port');
    expect(invalid(() => parsePublish('80:80/sctp')).message).toContain('"sctp" is not tcp or udp');
    expect(invalid(() => parsePublish('localhost:80:80')).message).toContain('not an IPv4 address');
  });
});

describe('--volume', () => {
  it('takes an absolute source as a bind mount and anything else as a volume name', () => {
    expect(parseVolume('/srv/data:/data:ro')).toEqual({
      type: 'bind',
      source: '/srv/data',
      target: '/data',
      readOnly: true,
    });
    expect(parseVolume('cache:/var/cache')).toEqual({
      type: 'volume',
      source: 'cache',
      target: '/var/cache',
      readOnly: false,
    });
    expect(parseVolume('cache:/var/cache:rw').readOnly).toBe(false);
  });

  it('refuses a relative path, a relative target, a bad mode and a missing part', () => {
    const relative = invalid(() => parseVolume('./data:/data'));
    expect(relative.message).toContain('neither an absolute path nor a volume name');
    expect(relative.detail).toContain('absolute path');
    expect(invalid(() => parseVolume('cache:data')).message).toContain('not an absolute');
    expect(invalid(() => parseVolume('cache:/data:rx')).message).toContain('"rx" is not ro or rw');
    expect(invalid(() => parseVolume('/data')).message).toContain('not SOURCE:TARGET');
    expect(invalid(() => parseVolume('/srv/../etc:/data')).message).toContain('normalized');
  });
});

describe('--restart, --cpus, --memory, --env, --label', () => {
  it('reads restart policies, with retries only for on-failure', () => {
    expect(parseRestart('always')).toEqual({ name: 'always' });
    expect(parseRestart('on-failure:3')).toEqual({ name: 'on-failure', maxRetries: 3 });
    expect(invalid(() => parseRestart('always:3')).message).toContain('not a restart policy');
    expect(invalid(() => parseRestart('sometimes')).message).toContain('not a restart policy');
  });

  it('turns CPUs into nano-CPUs', () => {
    expect(parseCpus('1.5')).toBe(1_500_000_000);
    expect(parseCpus('0.25')).toBe(250_000_000);
    expect(invalid(() => parseCpus('0')).message).toContain('not a number of CPUs');
    expect(invalid(() => parseCpus('two')).message).toContain('not a number of CPUs');
  });

  it('reads memory with Nova’s units, and refuses what the engines would refuse', () => {
    expect(parseMemory('512Mi')).toBe(512 * 1024 * 1024);
    expect(parseMemory('1G')).toBe(1e9);
    expect(invalid(() => parseMemory('1Mi')).message).toContain('less than the engines accept');
    const ambiguous = invalid(() => parseMemory('8GB'));
    expect(ambiguous.message).toContain('"GB" is not a size unit');
    expect(ambiguous.detail).toContain('8Gi');
  });

  it('reads KEY=VALUE, keeping "=" and empty values', () => {
    expect(parseEnv(['A=1', 'URL=a=b', 'EMPTY='])).toEqual({ A: '1', URL: 'a=b', EMPTY: '' });
    expect(invalid(() => parseEnv(['A'])).message).toContain('is not KEY=VALUE');
    expect(invalid(() => parseEnv(['1A=x'])).message).toContain('is not KEY=VALUE');
  });

  it('reads labels and keeps Nova’s own for Nova', () => {
    expect(parseLabels(['org.example.team=lab', 'flag'])).toEqual({ 'org.example.team': 'lab', flag: '' });
    expect(invalid(() => parseLabels(['dev.nova.managed=true'])).message).toContain('Nova’s own');
  });
});

describe('newContainerOf', () => {
  it('builds the contract’s NewContainer from every option', () => {
    expect(
      newContainerOf('busybox:latest', ['sh', '-c', 'sleep 1'], {
        name: 'web',
        env: ['A=1'],
        publish: ['8080:80'],
        volume: ['/srv:/srv:ro', 'data:/data'],
        network: 'lab',
        restart: 'unless-stopped',
        cpus: '2',
        memory: '64Mi',
        label: ['team=lab'],
        readOnly: true,
        newPrivileges: false,
      }),
    ).toEqual({
      name: 'web',
      image: 'busybox:latest',
      command: ['sh', '-c', 'sleep 1'],
      env: { A: '1' },
      ports: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
      mounts: [
        { type: 'bind', source: '/srv', target: '/srv', readOnly: true },
        { type: 'volume', source: 'data', target: '/data', readOnly: false },
      ],
      network: 'lab',
      restart: { name: 'unless-stopped' },
      nanoCpus: 2_000_000_000,
      memoryBytes: 64 * 1024 * 1024,
      readOnly: true,
      noNewPrivileges: true,
      gpus: false,
      labels: { team: 'lab' },
    });
  });

  it('keeps the image’s command and gives the container a name when none is given', () => {
    const spec = newContainerOf('docker.io/library/alpine:3.20', [], {});
    expect(spec.command).toBeUndefined();
    expect(spec.name).toMatch(/^alpine-[0-9a-f]{6}$/);
    expect(spec.restart).toEqual({ name: 'no' });
    expect(generatedName('registry.example/x/My_App@sha256:abc', () => 0)).toBe('My_App-000000');
  });

  it('refuses a bad name, image or network', () => {
    expect(invalid(() => newContainerOf('busybox', [], { name: 'my web' })).message).toContain(
      '"my web" is not a valid container name',
    );
    expect(invalid(() => newContainerOf('bad image', [], {})).message).toContain('not an image reference');
    expect(invalid(() => newContainerOf('busybox', [], { network: '-x' })).message).toContain(
      'not a valid network name',
    );
  });
});

describe('execRequestOf', () => {
  it('builds the contract’s ExecRequest', () => {
    expect(
      execRequestOf(['sh', '-c', 'pwd'], {
        env: ['A=1'],
        workdir: '/tmp',
        user: '1000:1000',
        timeout: '2.5',
      }),
    ).toEqual({
      argv: ['sh', '-c', 'pwd'],
      env: ['A=1'],
      workdir: '/tmp',
      user: '1000:1000',
      timeoutMs: 2500,
    });
    expect(execRequestOf(['true'], {})).toEqual({ argv: ['true'] });
  });

  it('refuses no command, a relative folder, a bad user and a timeout out of range', () => {
    expect(invalid(() => execRequestOf([], {})).detail).toContain('--');
    expect(invalid(() => execRequestOf(['ls'], { workdir: 'tmp' })).message).toContain('--workdir');
    expect(invalid(() => execRequestOf(['ls'], { user: 'a b' })).message).toContain('--user');
    expect(invalid(() => execRequestOf(['ls'], { timeout: '0' })).message).toContain('--timeout');
    expect(invalid(() => execRequestOf(['ls'], { timeout: '7200' })).message).toContain('--timeout');
  });
});

describe('--since and --tail', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads durations back from now, dates and epoch seconds', () => {
    expect(parseSince('10m', now)).toBe(now / 1000 - 600);
    expect(parseSince('1h30m', now)).toBe(now / 1000 - 5400);
    expect(parseSince('2025-03-01T10:00:00Z', now)).toBe(Date.parse('2025-03-01T10:00:00Z') / 1000);
    expect(parseSince('1700000000', now)).toBe(1_700_000_000);
    expect(invalid(() => parseSince('yesterday', now)).message).toContain('is not a time');
  });

  it('reads a number of lines or all', () => {
    expect(parseTail('20')).toBe(20);
    expect(parseTail('all')).toBeUndefined();
    expect(invalid(() => parseTail('-1')).message).toContain('--tail');
  });
});

describe('targets', () => {
  it('say foreign and project; the two exclude each other', () => {
    expect(containerTargetOf('web', {})).toEqual({ container: 'web', foreign: false });
    expect(containerTargetOf('web', { foreign: true })).toEqual({ container: 'web', foreign: true });
    expect(containerTargetOf('web', { project: 'demo' })).toEqual({
      container: 'web',
      foreign: false,
      project: 'demo',
    });
    expect(invalid(() => containerTargetOf('web', { foreign: true, project: 'demo' })).message).toContain(
      'exclude each other',
    );
    expect(invalid(() => containerTargetOf('-web', {})).message).toContain('not a container name or id');
  });
});

describe('image references', () => {
  it('match across Docker Hub’s and Podman’s spellings, and by id', () => {
    expect(normalizeImageRef('docker.io/library/alpine')).toBe('alpine:latest');
    expect(normalizeImageRef('localhost/nova-test/busybox:latest')).toBe('nova-test/busybox:latest');
    expect(normalizeImageRef('registry.example:5000/app')).toBe('registry.example:5000/app:latest');
    const image = {
      engine: 'podman' as const,
      id: `sha256:abcdef${'0'.repeat(58)}`,
      tags: ['localhost/nova-test/busybox:latest'],
      sizeBytes: 1,
      createdAt: '2025-03-01T10:00:00.000Z',
    };
    expect(imageMatches('nova-test/busybox', image)).toBe(true);
    expect(imageMatches('abcdef', image)).toBe(true);
    expect(imageMatches('nova-test/busybox:1', image)).toBe(false);
  });
});
