import { readFileSync } from 'node:fs';

import { HELPER_BUS_NAME, HELPER_INTERFACE, POLKIT_ACTIONS } from '@nova/core';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';

const data = (name: string) => readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8');
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  isArray: (name) => ['action', 'policy', 'allow'].includes(name),
});

describe('the polkit policy file', () => {
  it('declares exactly the contract’s actions with the same defaults and texts', () => {
    const doc = parser.parse(data('dev.nova.policy')) as {
      policyconfig: {
        action: { '@id': string; description: string; message: string; defaults: Record<string, string> }[];
      };
    };
    const declared = Object.fromEntries(
      doc.policyconfig.action.map((action) => [
        action['@id'],
        {
          description: action.description,
          message: action.message,
          defaults: {
            allowAny: action.defaults['allow_any'],
            allowInactive: action.defaults['allow_inactive'],
            allowActive: action.defaults['allow_active'],
          },
        },
      ]),
    );
    expect(declared).toEqual(POLKIT_ACTIONS);
  });
});

describe('the bus policy', () => {
  it('lets only root own the name and everyone call only the helper’s interfaces', () => {
    const doc = parser.parse(data('dev.nova.Helper1.conf')) as {
      busconfig: { policy: { '@user'?: string; '@context'?: string; allow: Record<string, string>[] }[] };
    };
    const owners = doc.busconfig.policy.flatMap((policy) =>
      policy.allow
        .filter((allow) => allow['@own'] !== undefined)
        .map((allow) => [policy['@user'] ?? policy['@context'], allow['@own']]),
    );
    expect(owners).toEqual([['root', HELPER_BUS_NAME]]);
    const everyone = doc.busconfig.policy.find((policy) => policy['@context'] === 'default');
    expect(everyone?.allow.map((allow) => allow['@send_interface'])).toEqual([
      HELPER_INTERFACE,
      'org.freedesktop.DBus.Introspectable',
      'org.freedesktop.DBus.Peer',
    ]);
    expect(everyone?.allow.every((allow) => allow['@send_destination'] === HELPER_BUS_NAME)).toBe(true);
  });
});

describe('the activation files', () => {
  it('activate the helper as root, handing over to the systemd unit where there is one', () => {
    const service = data('dev.nova.Helper1.service');
    expect(service).toMatch(new RegExp(`^Name=${HELPER_BUS_NAME.replaceAll('.', '\\.')}$`, 'm'));
    expect(service).toMatch(/^User=root$/m);
    expect(service).toMatch(/^SystemdService=nova-helper\.service$/m);
    const unit = data('nova-helper.service');
    expect(unit).toMatch(/^Type=dbus$/m);
    expect(unit).toMatch(new RegExp(`^BusName=${HELPER_BUS_NAME.replaceAll('.', '\\.')}$`, 'm'));
    const exec = /^Exec=(.+)$/m.exec(service)?.[1];
    expect(unit).toContain(`ExecStart=${exec ?? '(missing)'}`);
  });
});
