import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NovaServices } from '@nova/core/node';
import { describe, expect, it } from 'vitest';

import { type Io, runNova } from '../src/program.js';

// Services double: hostFacts answers with fixed networks; reading the file is real.
function services(networks: string[] | undefined, warnings: string[] = []): () => NovaServices {
  return () =>
    ({
      hostFacts: () =>
        Promise.resolve({
          facts: networks === undefined ? {} : { networks, engineNetworks: ['bridge'] },
          warnings,
        }),
      close: () => undefined,
    }) as unknown as NovaServices;
}

function capture(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

function novaFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nova-validate-')), 'NovaFile');
  writeFileSync(path, text);
  return path;
}

describe('nova validate', () => {
  it('says a good file is valid and what it holds, exit 0', async () => {
    const io = capture();
    const path = novaFile(
      '[network.lab]\nsubnet = "10.20.0.0/24"\n[vm.a]\nnetwork = "lab"\n[container.b]\ncapsule = "alpine"\n',
    );
    expect(await runNova(['-c', path, 'validate'], services(['default']), io)).toBe(0);
    expect(io.stdout).toEqual([`${path} is valid: 1 VM, 1 container, 1 network, 0 storage pools.`]);
  });

  it('prints every error as FILE:LINE:COL with a hint, exit 2', async () => {
    const io = capture();
    const path = novaFile('[vm.a]\nmemroy = "2Gi"\nnetwork = "defualt"\n');
    expect(await runNova(['validate', '--config', path], services(['default']), io)).toBe(2);
    expect(io.stderr).toEqual([
      `${path}:2:1: unknown key "memroy" in [vm.a]\n  hint: did you mean "memory"?`,
      `${path}:3:11: network "defualt" is neither declared in this file nor present on this host\n  hint: did you mean "default"?`,
      `nova: 2 errors in ${path}`,
    ]);
  });

  it('checks only the file with --offline, and says what it could not check otherwise', async () => {
    const path = novaFile('[vm.a]\nnetwork = "default"\n');
    const offline = capture();
    expect(await runNova(['-c', path, 'validate', '--offline'], services(['default']), offline)).toBe(2);
    expect(offline.stderr[0]).toContain('network "default" is not declared in this file');
    const unreachable = capture();
    expect(
      await runNova(
        ['-c', path, 'validate'],
        services(undefined, ['libvirt networks were not checked: helper down']),
        unreachable,
      ),
    ).toBe(2);
    expect(unreachable.stderr[0]).toBe('nova: warning: libvirt networks were not checked: helper down');
  });

  it('prints one JSON document with --json', async () => {
    const io = capture();
    const path = novaFile('[vm.a]\ncpu = 0\n');
    expect(await runNova(['-c', path, 'validate', '--json', '--offline'], services([]), io)).toBe(2);
    const result = JSON.parse(io.stdout.join('\n')) as {
      valid: boolean;
      errors: { line: number; column: number; path: string }[];
    };
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([expect.objectContaining({ line: 2, column: 7, path: 'vm.a.cpu' })]);
  });

  it('says where it looked when there is no NovaFile, exit 2', async () => {
    const io = capture();
    const missing = join(mkdtempSync(join(tmpdir(), 'nova-validate-')), 'NovaFile');
    expect(await runNova(['-c', missing, 'validate', '--offline'], services([]), io)).toBe(2);
    expect(io.stderr[0]).toBe(`nova: there is no NovaFile at ${missing}\n  Check the path given with -c.`);
  });
});
