// Listing a thousand domains reads each one's XML (its UUID, and whether Nova made it). The helper
// remembers those definitions between listings, and forgets one whenever libvirt says anything about
// that domain: a lifecycle event (defined, renamed, undefined…), a change of its metadata or devices,
// or libvirt-dbus restarting. Without these signals it reads every definition at each listing.
import type { BoundedCaller } from '@nova/core/node';
import { LIBVIRT_BUS_NAME } from '@nova/core/node';
import { type Message as DBusMessage, type MessageBus, MessageType } from 'dbus-next';

import type { LibvirtDbusClient } from './libvirt/libvirt-dbus.js';

const RULES = [
  `type='signal',sender='${LIBVIRT_BUS_NAME}',interface='org.libvirt.Connect',member='DomainEvent'`,
  `type='signal',sender='${LIBVIRT_BUS_NAME}',interface='org.libvirt.Domain'`,
  `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${LIBVIRT_BUS_NAME}'`,
];

export async function followDomainDefinitions(
  bus: MessageBus,
  caller: BoundedCaller,
  libvirt: LibvirtDbusClient,
  log: (line: string) => void,
): Promise<void> {
  bus.on('message', (message: DBusMessage) => {
    if (message.type !== MessageType.SIGNAL) return;
    const body: unknown[] = Array.isArray(message.body) ? (message.body as unknown[]) : [];
    if (message.interface === 'org.freedesktop.DBus') {
      if (message.member === 'NameOwnerChanged' && body[0] === LIBVIRT_BUS_NAME) libvirt.forgetDomain();
    } else if (message.interface === 'org.libvirt.Connect') {
      if (message.member === 'DomainEvent' && typeof body[0] === 'string') libvirt.forgetDomain(body[0]);
    } else if (message.interface === 'org.libvirt.Domain') {
      libvirt.forgetDomain(message.path);
    }
  });
  try {
    await Promise.all(RULES.map((rule) => caller.addMatch(rule)));
    libvirt.rememberDefinitions(true);
  } catch (err) {
    log(
      `domain definitions are read again at each listing: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
