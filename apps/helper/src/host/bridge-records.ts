// What Nova remembers about the host bridges it created or changed (the origin registry's `bridges`), and
// what the bridge operations are given to reach the host.
import type { OriginRegistry } from '../origins.js';
import type { Exec, Ip } from './commands.js';

export interface Gateway {
  via: string;
  metric?: number;
}

/** What an interface gave a bridge when it joined it: to be given back when it leaves. */
export interface Donation {
  /** "10.0.0.2/24" and the like. */
  addresses: string[];
  /** Default gateways that went through the interface. */
  gateways: Gateway[];
}

export interface BridgeRecord extends Donation {
  /** The project that created the bridge; absent on a record of a bridge Nova did not create. */
  project?: string;
  /** Nova did not create this bridge: the record only remembers what interfaces Nova attached gave it. */
  foreign?: true;
  /** The uplink enslaved at creation; `addresses` and `gateways` are what it gave. */
  uplink?: string;
  nat?: {
    address: string;
    prefix: number;
    dhcp?: { start: string; end: string };
    /** Whether IPv4 forwarding was on before Nova's first NAT bridge: restored when the last one goes. */
    forwardingBefore: boolean;
  };
  /** Interfaces attached later (AttachHostInterface) that gave the bridge addresses or routes. */
  attached?: Record<string, Donation>;
}

export interface HostDeps {
  origins: OriginRegistry;
  libvirtBridges: () => Promise<string[]>;
  run: Ip;
  exec: Exec;
}

/** Whether Nova created the bridge of this record (and did not merely attach interfaces to it). */
export const isOurs = (record: BridgeRecord | undefined): record is BridgeRecord =>
  record !== undefined && record.foreign !== true;
