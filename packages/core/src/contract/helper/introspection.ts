// The helper's introspection XML (org.freedesktop.DBus.Introspectable), built from the method and
// signal tables.
import XMLBuilder from 'fast-xml-builder';

import { HELPER_INTERFACE, HELPER_OBJECT_PATH } from './method.js';
import { helperSignals } from './signals.js';
import { helperMethods } from './table.js';

const DOCTYPE = [
  '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
  ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">',
];

/** A string argument: a method's (in or out) or a signal's (no direction). */
function stringArg(name: string, direction?: 'in' | 'out') {
  return { '@name': name, '@type': 's', ...(direction === undefined ? {} : { '@direction': direction }) };
}

function annotation(name: string, value: string) {
  return { '@name': name, '@value': value };
}

/** Introspection XML for the helper's interface, generated from the tables. */
export function helperIntrospectionXml(): string {
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    indentBy: '  ',
    suppressEmptyNode: true,
    // "true" is a value like any other here, never a bare attribute (which is not XML).
    suppressBooleanAttributes: false,
  });
  const helper = {
    '@name': HELPER_INTERFACE,
    method: Object.entries(helperMethods).map(([name, spec]) => ({
      '@name': name,
      annotation: annotation('dev.nova.PolkitAction', spec.action),
      arg: [
        stringArg('request', 'in'),
        // Optional: a call of signature "s" leaves it out and the helper makes one.
        { ...stringArg('callId', 'in'), annotation: annotation('dev.nova.Optional', 'true') },
        stringArg('reply', 'out'),
      ],
    })),
    signal: Object.keys(helperSignals).map((name) => ({ '@name': name, arg: stringArg('event') })),
  };
  const introspectable = {
    '@name': 'org.freedesktop.DBus.Introspectable',
    method: { '@name': 'Introspect', arg: stringArg('xml', 'out') },
  };
  const peer = {
    '@name': 'org.freedesktop.DBus.Peer',
    method: [{ '@name': 'Ping' }, { '@name': 'GetMachineId', arg: stringArg('machine_uuid', 'out') }],
  };
  const body = builder.build({
    node: { '@name': HELPER_OBJECT_PATH, interface: [helper, introspectable, peer] },
  });
  return [...DOCTYPE, body.trimEnd(), ''].join('\n');
}
