import { helperMethods, NOVA_VERSION } from '@nova/core';
import { describe, expect, it } from 'vitest';

import { DENIED_USER, GRANTED_USER, requireLab, run } from '../support/lab.js';

/** Calls the helper with dbus-send, as any client of the system bus could, optionally as a test user. */
function callHelper(member: string, argument: string | undefined, user?: string, path = '/dev/nova/Helper1') {
  const args = ['--system', '--print-reply', '--dest=dev.nova.Helper1', path, member];
  if (argument !== undefined) args.push(`string:${argument}`);
  return user === undefined
    ? run('dbus-send', args)
    : run('runuser', ['-u', user, '--', 'dbus-send', ...args]);
}

describe('the helper on the system bus', () => {
  it('is activated by the bus and answers GetStatus for anyone', async () => {
    requireLab();
    const result = await callHelper('dev.nova.Helper1.GetStatus', '{}', DENIED_USER);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`"helperVersion":"${NOVA_VERSION}"`);
    expect(result.stdout).toContain('"libvirt":{"status":"ok"');
  });

  it('describes its interface from the contract (Introspect)', async () => {
    const result = await callHelper('org.freedesktop.DBus.Introspectable.Introspect', undefined);
    expect(result.code).toBe(0);
    for (const method of Object.keys(helperMethods))
      expect(result.stdout).toContain(`<method name="${method}">`);
  });

  it('says its version (nova-helper --version)', async () => {
    const result = await run('/usr/local/libexec/nova/nova-helper', ['--version']);
    expect(result.stdout.trim()).toBe(`nova-helper ${NOVA_VERSION}`);
  });

  it('answers Peer.Ping', async () => {
    expect((await callHelper('org.freedesktop.DBus.Peer.Ping', undefined, DENIED_USER)).code).toBe(0);
  });

  it('refuses ListDomains to a user polkit does not grant, with an error naming the action', async () => {
    const result = await callHelper('dev.nova.Helper1.ListDomains', '{}', DENIED_USER);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Error dev.nova.Helper1.Error.NotAuthorized');
    expect(result.stderr).toContain('dev.nova.vm.read');
  });

  it('answers ListDomains for a user polkit grants through a rules file', async () => {
    const result = await callHelper('dev.nova.Helper1.ListDomains', '{}', GRANTED_USER);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('"connection":"qemu:///system"');
  });

  it('refuses input that breaks the contract, even from root', async () => {
    const path = await callHelper('dev.nova.Helper1.ListContainers', '{"engine":"/var/run/docker.sock"}');
    expect(path.stderr).toContain('Error dev.nova.Helper1.Error.InvalidInput');
    const json = await callHelper('dev.nova.Helper1.ListDomains', '{not json');
    expect(json.stderr).toContain('Error dev.nova.Helper1.Error.InvalidInput');
  });

  it('checks polkit before it reads the input', async () => {
    const result = await callHelper('dev.nova.Helper1.ListContainers', '{not json', DENIED_USER);
    expect(result.stderr).toContain('Error dev.nova.Helper1.Error.NotAuthorized');
  });

  it('has no other objects', async () => {
    const result = await callHelper('dev.nova.Helper1.ListDomains', '{}', undefined, '/dev/nova/Other');
    expect(result.stderr).toContain('org.freedesktop.DBus.Error.UnknownObject');
  });
});
