// The helper's host-interface and bridge methods (see the contract: ListHostInterfaces … SetBridgeStp).
import {
  describeZodError,
  type HelperInput,
  type HelperMethodName,
  type HelperMethodNameOf,
  helperMethods,
  type HelperOutput,
  NovaError,
} from '@nova/core';

import type { CallContext } from '../dispatcher.js';
import type { OriginRegistry } from '../origins.js';
import {
  attachHostInterface,
  bridgeLeases,
  createHostBridge,
  deleteHostBridge,
  detachHostInterface,
  type HostDeps,
  listHostBridges,
  listHostInterfaces,
  setBridgeStp,
} from './bridges.js';
import { type Exec, exec, type Ip, ip } from './commands.js';

export { watchHostLinks } from './monitor.js';

export interface HostContext {
  /** The registry of what Nova created; its `bridges` record says which bridges are Nova's. */
  origins: OriginRegistry;
  /** Bridge names used by libvirt networks (their origin is "libvirt"). */
  libvirtBridges: () => Promise<string[]>;
  /** iproute2 runner (argv); injectable for tests. */
  run?: Ip;
  /** Runner for nft and dnsmasq (argv, optional stdin); injectable for tests that make a step fail. */
  exec?: Exec;
}

type HostMethodName = HelperMethodNameOf<'hostBridges'>;

/** The contract's methods; the caller (`call`) may be passed, as the dispatcher does, and is not needed. */
export type HostMethods = {
  [M in HostMethodName]: (input: HelperInput<M>, call?: CallContext) => Promise<HelperOutput<M>>;
};

/** The input as the contract parses it (defaults filled in), checked again: the helper trusts no caller. */
type Parsed<M extends HelperMethodName> = ReturnType<(typeof helperMethods)[M]['input']['parse']>;

function checked<M extends HelperMethodName>(method: M, input: unknown): Parsed<M> {
  const result = helperMethods[method].input.safeParse(input);
  if (!result.success) throw new NovaError('invalid-input', `${method}: ${describeZodError(result.error)}`);
  return result.data as Parsed<M>;
}

/** One change to host networking at a time: the steps of two changes must not interleave. */
let changes: Promise<unknown> = Promise.resolve();
function serialized<T>(change: () => Promise<T>): Promise<T> {
  const next = changes.then(change);
  changes = next.catch(() => undefined);
  return next;
}

export function hostMethods(ctx: HostContext): HostMethods {
  const deps: HostDeps = {
    origins: ctx.origins,
    libvirtBridges: ctx.libvirtBridges,
    run: ctx.run ?? ip,
    exec: ctx.exec ?? exec,
  };
  const methods: HostMethods = {
    ListHostInterfaces: async (input) => {
      checked('ListHostInterfaces', input);
      return { interfaces: await listHostInterfaces(deps) };
    },
    ListHostBridges: async (input) => {
      checked('ListHostBridges', input);
      return { bridges: await listHostBridges(deps) };
    },
    GetBridgeLeases: async (input) => {
      const { bridge } = checked('GetBridgeLeases', input);
      return { leases: await bridgeLeases(deps, bridge) };
    },
    CreateHostBridge: async (input) => {
      const { spec, takeUplink } = checked('CreateHostBridge', input);
      return { movedAddresses: await serialized(() => createHostBridge(deps, spec, takeUplink)) };
    },
    DeleteHostBridge: async (input) => {
      const { name, project, force } = checked('DeleteHostBridge', input);
      await serialized(() => deleteHostBridge(deps, name, project, force));
      return {};
    },
    AttachHostInterface: async (input) => {
      const { bridge, interface: dev, takeUplink, force } = checked('AttachHostInterface', input);
      return {
        movedAddresses: await serialized(() => attachHostInterface(deps, bridge, dev, takeUplink, force)),
      };
    },
    DetachHostInterface: async (input) => {
      const { bridge, interface: dev, force } = checked('DetachHostInterface', input);
      await serialized(() => detachHostInterface(deps, bridge, dev, force));
      return {};
    },
    SetBridgeStp: async (input) => {
      const { bridge, enabled, force } = checked('SetBridgeStp', input);
      await serialized(() => setBridgeStp(deps, bridge, enabled, force));
      return {};
    },
  };
  // Takes any input the contract allows, so it also serves the dispatcher (service.ts checks that).
  return methods;
}
