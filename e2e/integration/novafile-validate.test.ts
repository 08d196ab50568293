import { mkdtempSync, writeFileSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { DENIED_USER, requireLab, runNova } from '../support/lab.js';

function novaFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nova-validate-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'NovaFile');
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

describe('nova validate against the lab', () => {
  it('accepts a VM on a libvirt network of the host (default)', async () => {
    requireLab();
    const path = novaFile('[vm.a]\nnetwork = "default"\n');
    const result = await runNova(['-c', path, 'validate']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('accepts a VM on a host bridge (virbr0)', async () => {
    const result = await runNova(['-c', novaFile('[vm.a]\nnetwork = "virbr0"\n'), 'validate']);
    expect(result.code).toBe(0);
  });

  it('refuses a VM on a network that is neither declared nor on the host, suggesting the near one', async () => {
    const path = novaFile('[vm.a]\nnetwork = "defualt"\n');
    const result = await runNova(['-c', path, 'validate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${path}:2:11: network "defualt" is neither declared in this file nor present on this host\n  hint: did you mean "default"?`,
    );
  });

  it('says so when it could not ask the host, for a user polkit does not grant', async () => {
    const path = novaFile('[vm.a]\nnetwork = "default"\n');
    const result = await runNova(['-c', path, 'validate'], { user: DENIED_USER });
    expect(result.stderr).toContain(
      'nova: warning: libvirt networks were not checked: not authorized: polkit refused action dev.nova.network.read',
    );
    expect(result.code).toBe(2);
  });
});
