import { HELPER_MAX_REQUEST_BYTES, NovaError } from '@nova/core';
import { describe, expect, it } from 'vitest';

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
  };
  return {
    authorize: (_sender, action) => {
      calls.push(`authorize ${action}`);
      return Promise.resolve({ authorized, challenge: false });
    },
    implementation: implementation as HelperImplementation,
  };
}

const request = (member: string, json: unknown, signature = 's') => ({
  sender: ':1.42',
  member,
  signature,
  body: [typeof json === 'string' ? json : JSON.stringify(json)],
});

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
});
