import { readFileSync } from 'node:fs';

import {
  HELPER_BUS_NAME,
  HELPER_ERROR_NAMES,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  helperIntrospectionXml,
  NOVA_VERSION,
} from '@nova/core';
import { BoundedCaller, connectSystemBus, ROOT_ENGINE_SOCKETS } from '@nova/core/node';
import { type Message as DBusMessage, Message, MessageType, NameFlag, RequestNameReply } from 'dbus-next';

import { AuditLog } from './audit.js';
import { followDomainDefinitions } from './definitions.js';
import { dispatch } from './dispatcher.js';
import { EventHub } from './events.js';
import { hostMethods, watchHostLinks } from './host/index.js';
import { KvmHealth } from './kvm-health.js';
import { LibvirtDbusClient } from './libvirt/libvirt-dbus.js';
import { LibvirtManager } from './libvirt/libvirt-manage.js';
import { OriginRegistry } from './origins.js';
import { PolkitAuthority } from './polkit.js';
import { helperImplementation } from './service.js';
import { rootEngines } from './services/containers.js';

/** The helper leaves when idle; the bus starts it again on the next call (activation). */
const IDLE_EXIT_SECONDS = Number(process.env['NOVA_HELPER_IDLE_EXIT_SECONDS'] ?? '60');

function log(line: string): void {
  process.stderr.write(`nova-helper[${process.pid}]: ${line}\n`);
}

/** The header fields of an incoming call; dbus-next's typings call them always present, but most are optional. */
interface IncomingCall {
  path: string;
  interface?: string;
  member?: string;
  sender?: string;
  signature?: string;
  serial?: number;
  body: unknown[];
}

/** An error reply: the message for people first (what dbus-send and others show), then the hint. */
function errorReply(call: DBusMessage, errorName: string, text: string, detail?: string): DBusMessage {
  const header = call as unknown as { serial: number; sender?: string };
  return new Message({
    type: MessageType.ERROR,
    errorName,
    replySerial: header.serial as unknown as string,
    ...(header.sender === undefined ? {} : { destination: header.sender }),
    signature: detail === undefined ? 's' : 'ss',
    // A D-Bus string cannot hold a NUL: one quoted from a hostile request would make the reply unsendable.
    body: (detail === undefined ? [text] : [text, detail]).map((part) => part.replaceAll('\0', '\\0')),
  });
}

function machineId(): string {
  for (const path of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      // try the next one
    }
  }
  return '';
}

/** Programs are found on root's system path, never on one inherited from whoever started the helper. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

async function main(): Promise<void> {
  process.env['PATH'] = SYSTEM_PATH;
  if (process.argv.includes('--version')) {
    process.stdout.write(`nova-helper ${NOVA_VERSION}\n`);
    return;
  }
  if (process.getuid?.() !== 0)
    log('warning: not running as root; libvirt and root-owned engines will refuse');
  const bus = await connectSystemBus();
  const caller = new BoundedCaller(bus);
  const polkit = new PolkitAuthority(caller);
  const libvirt = new LibvirtDbusClient(caller);
  await followDomainDefinitions(bus, caller, libvirt, log);
  const manager = new LibvirtManager(caller);
  const origins = new OriginRegistry();
  const engines = rootEngines();
  const containerEngines = (['docker', 'podman'] as const).map((engine) => ({
    engine,
    socket: ROOT_ENGINE_SOCKETS[engine],
    watch: engines[engine].watch.bind(engines[engine]),
  }));
  const hub = new EventHub(bus, caller, libvirt, { watchHostLinks, containerEngines, polkit }, log);
  const host = hostMethods({
    origins,
    libvirtBridges: async () =>
      (await libvirt.listNetworks()).flatMap((network) =>
        network.bridge === undefined ? [] : [network.bridge],
      ),
  });
  const implementation = helperImplementation(
    { libvirt, manager, origins, kvm: new KvmHealth(), engines },
    hub,
    host,
  );
  const audit = new AuditLog();
  const uids = new Map<string, number>();
  const deps = {
    authorize: (sender: string, action: string) => polkit.check(sender, action),
    implementation,
    uidOf: async (sender: string): Promise<number | undefined> => {
      const known = uids.get(sender);
      if (known !== undefined) return known;
      const [uid] = await caller.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'GetConnectionUnixUser',
        signature: 's',
        body: [sender],
      });
      if (typeof uid !== 'number') return undefined;
      if (uids.size > 1000) uids.clear();
      uids.set(sender, uid);
      return uid;
    },
    audit: (entry: Parameters<AuditLog['record']>[0]) => audit.record(entry),
    log,
  };

  let inFlight = 0;
  let lastActivity = Date.now();

  bus.addMethodHandler((message: DBusMessage): boolean => {
    // dbus-next's typings call these fields always present; on the wire most of them are optional.
    const msg = message;
    const header = message as unknown as IncomingCall;
    if (msg.type !== MessageType.METHOD_CALL) return false;
    lastActivity = Date.now();
    if (header.path !== HELPER_OBJECT_PATH) {
      bus.send(errorReply(msg, 'org.freedesktop.DBus.Error.UnknownObject', `no object at ${header.path}`));
      return true;
    }
    if (header.interface === 'org.freedesktop.DBus.Introspectable' && header.member === 'Introspect') {
      bus.send(Message.newMethodReturn(msg, 's', [helperIntrospectionXml()]));
      return true;
    }
    if (header.interface === 'org.freedesktop.DBus.Peer') {
      if (header.member === 'Ping') bus.send(Message.newMethodReturn(msg));
      else if (header.member === 'GetMachineId') bus.send(Message.newMethodReturn(msg, 's', [machineId()]));
      else return false;
      return true;
    }
    // A call without an interface is allowed by D-Bus; it means ours.
    if (header.interface !== undefined && header.interface !== HELPER_INTERFACE) return false;
    const sender = header.sender;
    if (!sender?.startsWith(':')) {
      bus.send(errorReply(msg, HELPER_ERROR_NAMES['not-authorized'], 'the caller has no unique bus name'));
      return true;
    }
    inFlight += 1;
    const request = {
      sender,
      member: header.member ?? '',
      signature: header.signature ?? '',
      serial: header.serial,
      body: header.body,
    };
    void dispatch(deps, request)
      .then((reply) => {
        if (reply.ok) bus.send(Message.newMethodReturn(msg, 's', [reply.json]));
        else
          bus.send(
            errorReply(msg, HELPER_ERROR_NAMES[reply.error.code], reply.error.message, reply.error.detail),
          );
      })
      .catch((err: unknown) => {
        log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        bus.send(errorReply(msg, HELPER_ERROR_NAMES.failed, 'the helper failed unexpectedly'));
      })
      .finally(() => {
        inFlight -= 1;
        lastActivity = Date.now();
      });
    return true;
  });

  const reply = await bus.requestName(HELPER_BUS_NAME, NameFlag.DO_NOT_QUEUE);
  if (reply !== RequestNameReply.PRIMARY_OWNER) {
    log(`${HELPER_BUS_NAME} is already owned by another process; exiting`);
    process.exit(1);
  }
  log(`version ${NOVA_VERSION} serving ${HELPER_BUS_NAME} (idle exit after ${IDLE_EXIT_SECONDS} s)`);

  bus.on('error', (err: unknown) => {
    log(`lost the system bus: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });

  const shutdown = async (why: string): Promise<void> => {
    log(`exiting: ${why}`);
    try {
      await bus.releaseName(HELPER_BUS_NAME);
    } catch {
      // exiting anyway
    }
    process.exit(0);
  };

  if (IDLE_EXIT_SECONDS > 0) {
    setInterval(() => {
      if (inFlight === 0 && hub.subscriberCount === 0 && Date.now() - lastActivity > IDLE_EXIT_SECONDS * 1000)
        void shutdown('idle');
    }, 1000).unref();
    // The interval is unref'd; this keeps the process alive while the bus connection is.
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  log(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
