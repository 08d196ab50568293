import { HELPER_MAX_REQUEST_BYTES, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

import type { AuditEntry } from '../src/audit.js';
import { dispatch, type DispatcherDeps, type HelperImplementation } from '../src/dispatcher.js';

// The authorizer is a test double for polkitd here; the integration suite runs the real one.
function deps(authorized: boolean, calls: string[] = []): DispatcherDeps {
  // Only the methods these tests call; the rest belong to the integration suite.
  const implementation: Partial<HelperImplementation> = {
    GetStatus: () => {
      calls.push('GetStatus');
      return Promise.resolve({
        helperVersion: '0.1.0',
        libvirt: { status: 'ok', detail: 'up' },
        kvm: { status: 'absent', detail: 'no' },
      });
    },
    ListDomains: () => {
      calls.push('ListDomains');
      return Promise.resolve({ connection: 'qemu:///system', domains: [] });
    },
    ListNetworks: () => {
      calls.push('ListNetworks');
      return Promise.resolve({ networks: [] });
    },
    ListContainers: ({ engine }) => {
      calls.push(`ListContainers ${engine}`);
      return Promise.resolve({ endpoint: `unix:///${engine}`, containers: [] });
    },
    StartContainer: ({ container }, call) => {
      calls.push(`StartContainer ${container} ${call.callId ?? '-'}`);
      return Promise.resolve({});
    },
  };
  return {
    authorize: (_sender, action) => {
      calls.push(`authorize ${action}`);
      return Promise.resolve({ authorized, challenge: false });
    },
    implementation: implementation as HelperImplementation,
  };
}

const request = (member: string, json: unknown, signature = 's', ...more: unknown[]) => ({
  sender: ':1.42',
  member,
  signature,
  body: [typeof json === 'string' ? json : JSON.stringify(json), ...more],
});

/** Dependencies that keep what the dispatcher audits, for a caller the bus says is uid 1000. */
function audited(authorized: boolean, calls: string[] = []): { deps: DispatcherDeps; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    deps: {
      ...deps(authorized, calls),
      uidOf: () => Promise.resolve(1000),
      audit: (entry) => {
        entries.push(entry);
        return Promise.resolve();
      },
    },
  };
}

const start = { engine: 'docker', container: 'web' };

describe('dispatch', () => {
  it('authorizes with the method’s polkit action, then answers with the implementation’s JSON', async () => {
    const calls: string[] = [];
    const reply = await dispatch(deps(true, calls), request('ListContainers', { engine: 'docker' }));
    expect(calls).toEqual(['authorize dev.nova.container.read', 'ListContainers docker']);
    expect(reply).toEqual({ ok: true, json: JSON.stringify({ endpoint: 'unix:///docker', containers: [] }) });
  });

  it('refuses an unauthorized caller naming the action, without running anything', async () => {
    const calls: string[] = [];
    const reply = await dispatch(deps(false, calls), request('ListDomains', {}));
    expect(calls).toEqual(['authorize dev.nova.vm.read']);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('not-authorized');
      expect(reply.error.message).toContain('dev.nova.vm.read');
    }
  });

  it('authorizes before it even reads the input', async () => {
    const reply = await dispatch(deps(false), request('ListContainers', 'not json'));
    expect(!reply.ok && reply.error.code).toBe('not-authorized');
  });

  it('refuses input that breaks the contract', async () => {
    for (const bad of [
      request('ListContainers', { engine: '/var/run/docker.sock' }),
      request('ListContainers', { engine: 'docker', extra: true }),
      request('ListDomains', 'not json'),
      request('ListDomains', {}, 'u'),
      request('ListDomains', `"${'x'.repeat(HELPER_MAX_REQUEST_BYTES)}"`),
    ]) {
      const reply = await dispatch(deps(true), bad);
      expect(!reply.ok && reply.error.code, JSON.stringify(bad).slice(0, 80)).toBe('invalid-input');
    }
  });

  it('refuses a method the contract does not have', async () => {
    const reply = await dispatch(deps(true), request('DeleteEverything', {}));
    expect(!reply.ok && reply.error.message).toBe(
      'Nova’s helper (version 0.1.0) has no method DeleteEverything: it and this program are different versions of Nova',
    );
  });

  it('passes an implementation’s error code through', async () => {
    const failing = deps(true);
    failing.implementation.ListDomains = () =>
      Promise.reject(new NovaError('backend-unavailable', 'libvirt is unreachable'));
    const reply = await dispatch(failing, request('ListDomains', {}));
    expect(!reply.ok && reply.error.toData()).toEqual({
      code: 'backend-unavailable',
      message: 'libvirt is unreachable',
    });
  });

  it('never sends a reply that breaks the contract', async () => {
    const broken = deps(true);
    broken.implementation.ListDomains = () =>
      Promise.resolve({ connection: 'qemu:///system', domains: [{ name: 'x' }] } as never);
    const reply = await dispatch(broken, request('ListDomains', {}));
    expect(!reply.ok && reply.error.code).toBe('failed');
  });

  it('takes the caller’s call id as a second string, hands it to the method and audits it with the serial', async () => {
    const calls: string[] = [];
    const { deps: d, entries } = audited(true, calls);
    const reply = await dispatch(d, { ...request('StartContainer', start, 'ss', 'cli-7.a_b'), serial: 17 });
    expect(reply).toEqual({ ok: true, json: '{}' });
    expect(calls).toEqual(['authorize dev.nova.container.start', 'StartContainer web cli-7.a_b']);
    expect(entries).toEqual([
      expect.objectContaining({
        callId: 'cli-7.a_b',
        callIdBy: 'caller',
        serial: 17,
        uid: 1000,
        sender: ':1.42',
        method: 'StartContainer',
        action: 'dev.nova.container.start',
        result: 'ok',
        arguments: { ...start, foreign: false },
      }),
    ]);
  });

  it('makes a call id for a call that brings none, and records it as its own', async () => {
    const { deps: d, entries } = audited(true);
    await dispatch(d, request('StartContainer', start));
    await dispatch(d, request('StartContainer', start));
    const [first, second] = entries;
    expect(first?.callIdBy).toBe('helper');
    expect(first?.callId).toMatch(/^helper-[0-9a-f-]{36}$/);
    expect(second?.callId).not.toBe(first?.callId);
    expect(first).not.toHaveProperty('serial');
  });

  it('refuses a call id that is not a short token, naming callId, after polkit and before acting', async () => {
    for (const bad of ['', 'a b', '$(reboot)', '../x', 'x'.repeat(65), 'id\0', 'ü']) {
      const calls: string[] = [];
      const { deps: d, entries } = audited(true, calls);
      const reply = await dispatch(d, request('StartContainer', start, 'ss', bad));
      expect(!reply.ok && reply.error.code, bad).toBe('invalid-input');
      expect(!reply.ok && reply.error.message, bad).toMatch(/^StartContainer: callId: not a call id/);
      expect(calls).toEqual(['authorize dev.nova.container.start']);
      // The entry is kept under an id of the helper's: the caller's was not one.
      expect(entries.map((entry) => [entry.callIdBy, entry.result])).toEqual([['helper', 'error']]);
    }
  });

  it('refuses other signatures, naming the two strings it takes', async () => {
    for (const bad of [
      request('StartContainer', start, 'si', 1),
      request('StartContainer', start, 'sss', 'a', 'b'),
      request('StartContainer', start, 'as'),
    ]) {
      const reply = await dispatch(deps(true), bad);
      expect(!reply.ok && reply.error.message, bad.signature).toContain('signature "ss" or "s"');
    }
  });

  it('audits a read polkit refused, with the caller’s uid and call id, but not a read that succeeds', async () => {
    const refused = audited(false);
    await dispatch(refused.deps, request('ListDomains', {}, 'ss', 'read-1'));
    expect(refused.entries).toEqual([
      expect.objectContaining({
        callId: 'read-1',
        uid: 1000,
        method: 'ListDomains',
        action: 'dev.nova.vm.read',
        result: 'refused',
        error: 'polkit refused dev.nova.vm.read',
      }),
    ]);
    expect(refused.entries[0]?.arguments).toBeUndefined();
    const allowed = audited(true);
    await dispatch(allowed.deps, request('ListDomains', {}, 'ss', 'read-2'));
    await dispatch(allowed.deps, request('ListDomains', 'not json', 'ss', 'read-3'));
    expect(allowed.entries).toEqual([]);
  });

  it('audits a changing call polkit refused without reading its request', async () => {
    const { deps: d, entries } = audited(false);
    const reply = await dispatch(d, request('StartContainer', 'not json', 'ss', 'change-1'));
    expect(!reply.ok && reply.error.code).toBe('not-authorized');
    expect(entries).toEqual([
      expect.objectContaining({ callId: 'change-1', callIdBy: 'caller', result: 'refused', uid: 1000 }),
    ]);
  });
});
