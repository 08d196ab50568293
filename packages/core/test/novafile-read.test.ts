import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { formatNovaFileError, type NovaFileError, readNovaFile } from '../src/novafile/read.js';
import type { HostFacts } from '../src/novafile/semantics.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'original');

function errorsOf(text: string, host?: HostFacts): NovaFileError[] {
  const result = readNovaFile(text, host === undefined ? {} : { host });
  if (result.ok) throw new Error('expected errors, the file was read');
  return result.errors;
}

function modelOf(text: string) {
  const result = readNovaFile(text);
  if (!result.ok) throw new Error(result.errors.map(formatNovaFileError).join('\n'));
  return result.model;
}

describe('files written for the original Nova', () => {
  for (const file of readdirSync(FIXTURES)) {
    it(`reads ${file}`, () => {
      const result = readNovaFile(readFileSync(join(FIXTURES, file), 'utf8'), { file });
      expect(result.ok ? [] : result.errors.map(formatNovaFileError)).toEqual([]);
    });
  }

  it('keeps the original’s meaning of each key', () => {
    const model = modelOf(readFileSync(join(FIXTURES, 'full-lab.toml'), 'utf8'));
    const builder = model.vm['builder'];
    expect(builder).toMatchObject({ cpu: 4, memory: 6 * 1024 ** 3, network: 'br-lan', autostart: true });
    expect(builder?.storage).toEqual({
      directory: '/srv/disks',
      filename: 'builder.qcow2',
      format: 'qcow2',
      size: 40 * 1024 ** 3,
      create_if_missing: true,
    });
    expect(model.vm['gaming']?.gpu?.device_address).toBe('0000:0b:00.0');
    expect(model.vm['gaming']?.looking_glass?.resolution).toEqual({ width: 2560, height: 1440 });
    expect(model.container['notebook']?.env).toEqual({ JUPYTER_TOKEN: 'lab', GRANT_SUDO: 'no' });
    expect(model.container['cache']?.bolt?.memory_limit).toBe(1024 ** 3);
    expect(model.network['apps']).toMatchObject({ type: 'overlay', driver: 'quic', dns: true });
    expect(model.storage['fast']?.capacity).toBe(500 * 1024 ** 3);
  });

  it('fills in the original’s defaults', () => {
    const model = modelOf('[vm.a]\n[container.b]\n');
    expect(model.vm['a']).toMatchObject({
      cpu: 2,
      memory: 1024 ** 3,
      autostart: false,
      gpu_passthrough: false,
    });
    expect(model.vm['a']?.firmware).toEqual({ boot_type: 'legacy', secure_boot: false });
    expect(model.vm['a']?.tpm).toEqual({ enabled: false, version: 'v2-0', backend: 'emulated' });
    expect(model.container['b']).toMatchObject({ capsule: 'ubuntu:latest', volumes: [], env: {} });
  });

  it('reads memory as the original did: G and M are powers of 1000, Gi and Mi of 1024', () => {
    const model = modelOf(
      '[vm.a]\nmemory = "16G"\n[vm.b]\nmemory = "512Mi"\n[vm.c]\nmemory = "1073741824"\n[vm.d]\nmemory = 2147483648\n',
    );
    expect([
      model.vm['a']?.memory,
      model.vm['b']?.memory,
      model.vm['c']?.memory,
      model.vm['d']?.memory,
    ]).toEqual([16e9, 512 * 1024 ** 2, 1024 ** 3, 2 * 1024 ** 3]);
  });
});

describe('reading strictly', () => {
  it('reports an unknown key where it stands, with the closest known key', () => {
    const errors = errorsOf('[vm.web]\nmemroy = "2Gi"\n');
    const error = errors[0];
    if (error === undefined) throw new Error('no error');
    expect(error).toMatchObject({
      line: 2,
      column: 1,
      path: 'vm.web.memroy',
      message: 'unknown key "memroy" in [vm.web]',
      hint: 'did you mean "memory"?',
    });
    expect(formatNovaFileError(error)).toBe(
      'NovaFile:2:1: unknown key "memroy" in [vm.web]\n  hint: did you mean "memory"?',
    );
  });

  it('reports keys the original ignored silently, instead of ignoring them', () => {
    const errors = errorsOf(
      '[container.api]\ncapsule = "nginx"\ngpu_acces = true\n[metrics]\nenabled = true\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'unknown key "gpu_acces" in [container.api]',
      'unknown key "metrics" in the top level',
    ]);
  });

  it('reports a wrong type with how to fix it', () => {
    const errors = errorsOf('[vm.a]\ncpu = "4"\n[container.b]\nenv.PORT = 8080\nvolumes = "./x:/x"\n');
    expect(errors.map((e) => [e.line, e.column, e.message, e.hint])).toEqual([
      [2, 7, 'cpu: expected a number, found a string', 'drop the quotes: 4'],
      [4, 12, 'PORT: expected a string, found an integer', 'quote it: "8080"'],
      [5, 11, 'volumes: expected an array, found a string', 'put it in brackets: ["./x:/x"]'],
    ]);
  });

  it('reports a bad unit with the units it could have been', () => {
    const [error] = errorsOf('[vm.a]\nmemory = "4GB"\n');
    expect(error).toMatchObject({ line: 2, column: 10, message: 'memory: "GB" is not a size unit' });
    expect(error?.hint).toBe('write "4Gi" (Gi = 1024^3 bytes) or "4G" (1000^3 bytes)');
  });

  it('reports a misspelt choice with the closest allowed one', () => {
    const [error] = errorsOf('[vm.a.firmware]\nboot_type = "UEFI"\n');
    expect(error).toMatchObject({
      message: 'boot_type: "UEFI" is not one of "legacy", "uefi"',
      hint: 'did you mean "uefi"?',
    });
  });

  it('reports a missing required key at its table', () => {
    const [error] = errorsOf('[storage.pool]\npool_type = "directory"\n');
    expect(error).toMatchObject({ line: 1, message: '[storage.pool] needs the key "directory" (a string)' });
  });

  it('reports every error of the file at once, in file order', () => {
    const errors = errorsOf(
      '[vm.a]\ncpu = 0\nmemory = "1Zi"\n[vm.b]\ndisks = []\n[container.c]\nport = ["80:80"]\n',
    );
    expect(errors.map((e) => e.line)).toEqual([2, 3, 5, 7]);
  });

  it('reports a dangling reference in the same pass as a schema error', () => {
    const errors = errorsOf(
      '[vm.a]\nnetwork = "defualt"\nmemory = "1GB"\n[network.default]\nsubnet = "10.3.0.0/24"\ncolor = 1\n',
      { networks: [] },
    );
    expect(errors.map((e) => e.message)).toEqual([
      'network "defualt" is neither declared in this file nor present on this host',
      'memory: "GB" is not a size unit',
      'unknown key "color" in [network.default]',
    ]);
  });

  it('refuses names that would break XML, paths or a command line', () => {
    const errors = errorsOf('[vm."web<1>"]\n[container."-rm"]\n[network."a/b"]\n');
    expect(errors.map((e) => e.message)).toEqual([
      'vm name "web<1>" is not allowed',
      'container name "-rm" is not allowed',
      'network name "a/b" is not allowed',
    ]);
  });

  it('reports a TOML syntax error with its position', () => {
    const [error] = errorsOf('[vm.a]\ncpu = 4 5\n');
    expect(error).toMatchObject({ line: 2, column: 9, message: 'not valid TOML: Must be a newline' });
  });

  it('reports a key defined twice (a duplicate name) as TOML does', () => {
    const [error] = errorsOf('[vm.a]\ncpu = 1\n[vm.a]\ncpu = 2\n');
    expect(error?.line).toBe(3);
    expect(error?.message).toMatch(/not valid TOML/);
  });
});

describe('references and addressing', () => {
  it('refuses a VM on a network that is neither declared nor on the host', () => {
    const [error] = errorsOf('[vm.a]\nnetwork = "lan"\n[network.lan0]\nsubnet = "10.1.0.0/24"\n', {
      networks: ['default', 'virbr0'],
    });
    expect(error).toMatchObject({
      line: 2,
      column: 11,
      message: 'network "lan" is neither declared in this file nor present on this host',
      hint: 'did you mean "lan0"?',
    });
  });

  it('accepts a VM on a network that exists on the host', () => {
    const result = readNovaFile('[vm.a]\nnetwork = "default"\n', { host: { networks: ['default'] } });
    expect(result.ok).toBe(true);
  });

  it('refuses a VM and a container with the same name', () => {
    const [error] = errorsOf('[vm.web]\n[container.web]\n');
    expect(error?.message).toBe('container "web" has the same name as VM "web"');
  });

  it('checks NAT addressing: subnet needed, gateway and DHCP range inside it', () => {
    expect(errorsOf('[network.n]\nprofile = "nat"\n').map((e) => e.message)).toEqual([
      'NAT network "n" needs a subnet',
    ]);
    const errors = errorsOf(
      '[network.n]\nprofile = "nat"\nsubnet = "10.0.0.0/24"\ngateway = "10.0.1.1"\ndhcp_range = "10.0.0.200-10.0.0.100"\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'gateway 10.0.1.1 is not a host address of subnet 10.0.0.0/24',
      'dhcp_range 10.0.0.200-10.0.0.100 starts after it ends',
    ]);
  });

  it('refuses overlapping subnets and an external network without an uplink', () => {
    const errors = errorsOf(
      '[network.a]\nsubnet = "10.0.0.0/16"\n[network.b]\nsubnet = "10.0.5.0/24"\n[network.c]\nprofile = "external"\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'subnet of network "b" overlaps that of network "a"',
      'external network "c" needs exactly one uplink',
    ]);
  });

  it('refuses Secure Boot without UEFI and an unmet windows11 profile', () => {
    const errors = errorsOf(
      '[vm.w]\ncompliance_profile = "windows11"\n[vm.w.firmware]\nsecure_boot = true\n',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'the windows11 profile needs UEFI, Secure Boot and TPM 2.0',
      'Secure Boot needs UEFI firmware',
    ]);
  });

  it('refuses two containers publishing the same host port', () => {
    const [error] = errorsOf('[container.a]\nports = ["8080:80"]\n[container.b]\nports = ["8080:8080"]\n');
    expect(error).toMatchObject({
      line: 4,
      message: 'host port 8080/tcp is already published by container "a"',
    });
  });

  it('reads several disks and NICs per VM', () => {
    const model = modelOf(
      '[network.n]\nsubnet = "10.9.0.0/24"\n[storage.p]\ndirectory = "/srv/p"\n[vm.a]\nnetwork = "n"\n[[vm.a.nic]]\nnetwork = "n"\nmodel = "e1000e"\n[[vm.a.disk]]\nname = "data"\nsize = "5Gi"\npool = "p"\n',
    );
    expect(model.vm['a']?.nic).toEqual([{ network: 'n', model: 'e1000e' }]);
    expect(model.vm['a']?.disk).toEqual([
      { name: 'data', size: 5 * 1024 ** 3, format: 'qcow2', pool: 'p', bus: 'virtio', readonly: false },
    ]);
  });
});
