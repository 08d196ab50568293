// Network management: list every network once (host bridges, libvirt networks, engine networks), create
// NAT, isolated and bridged ones after validateNewNetwork, delete, start, stop, autostart, and attach or
// detach VMs and containers. Which backend does what:
//   NAT, isolated  → a libvirt network (the helper builds its XML with libvirt/network-builder.ts);
//                    with an engine as backend, a network of that engine (isolated = internal).
//   bridged        → a Linux bridge the helper makes, with the uplink in it, plus a libvirt network of
//                    forward mode "bridge" on top for the VMs, as the NovaFile's external networks are.
// A create that fails part-way removes what it made.
import type { z } from 'zod';

import { DockerEngine } from '../containers/docker-engine.js';
import type { ContainerEngine } from '../containers/engine.js';
import { HelperEngine } from '../containers/helper-engine.js';
import type { ContainerTarget } from '../contract/container-types.js';
import { describeZodError, NovaError } from '../contract/errors.js';
import {
  type ManagedNetwork,
  NetworkInstanceRef,
  type NetworkKind,
  type NetworkListing,
  type NetworkMember,
  NetworkRef,
  NewNetwork,
} from '../contract/features/networks.js';
import type { TopologyProblem } from '../contract/features/topology.js';
import type { HelperCall } from '../contract/helper/index.js';
import type { Lease } from '../contract/helper-types.js';
import type { DomainNicSpec, HostBridgeSpec, NetworkSpec } from '../contract/specs.js';
import type { EngineName, InstanceList } from '../model/instance.js';
import { bridgeNameFor, specHash } from '../novafile/resolve.js';
import { owned } from '../novafile/spec-hash.js';
import { gatherTopology, type VmNicCache } from '../topology/topology-gather.js';
import { mapBounded } from '../util/semaphore.js';
import { changeContainerNetwork } from './container-membership.js';
import { probeHostNetwork } from './host-probe.js';
import {
  buildNetworkList,
  type HostNetworkProbe,
  networkId,
  occupiedSubnets,
  uplinkCandidates,
} from './network-model.js';
import { type CheckedNetwork, describeNetworkIssues, validateNewNetwork } from './network-validate.js';

export interface NetworkServiceDeps {
  helper: HelperCall;
  instances: { list(): Promise<InstanceList> };
  engines(): Promise<{ engines: ContainerEngine[] }>;
  probe?: () => Promise<HostNetworkProbe>;
  nicCache?: VmNicCache;
  /**
   * Reuse a listing this young instead of reading the host again (a command that looks a network up
   * and then changes it reads once); 0, the default, for a long-lived process that must see changes.
   */
  reuseListingMs?: number;
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new NovaError('invalid-input', describeZodError(parsed.error));
  return parsed.data;
}

const memberWord = (member: NetworkMember) =>
  member.kind === 'vm'
    ? `VM ${member.name}${member.mac === undefined ? '' : ` (${member.mac})`}`
    : `${member.kind === 'container' ? 'container' : 'interface'} ${member.name}`;

export class NetworkService {
  #last: { at: number; listing: Promise<NetworkListing> } | undefined;

  constructor(private readonly deps: NetworkServiceDeps) {}

  /** Every network with its leases, members and health; what could not be read is in `problems`. */
  list(): Promise<NetworkListing> {
    const reuse = this.deps.reuseListingMs ?? 0;
    const last = this.#last;
    if (last !== undefined && Date.now() - last.at <= reuse) return last.listing;
    const listing = this.#read();
    if (reuse > 0) this.#last = { at: Date.now(), listing };
    return listing;
  }

  async #read(): Promise<NetworkListing> {
    const engines = this.deps.engines().catch(() => ({ engines: [] as ContainerEngine[] }));
    const [facts, probe] = await Promise.all([
      gatherTopology({
        helper: this.deps.helper,
        instances: this.deps.instances,
        engines: () => engines,
        ...(this.deps.nicCache === undefined ? {} : { nicCache: this.deps.nicCache }),
      }),
      (this.deps.probe ?? probeHostNetwork)().catch((): HostNetworkProbe => ({})),
    ]);
    const problems: TopologyProblem[] = [...facts.problems];
    const leases = new Map<string, Lease[]>();
    const wanted = [
      ...(facts.libvirtNetworks ?? [])
        .filter((network) => network.active && network.dhcpStart !== undefined)
        .map((network) => ({ id: networkId('libvirt', network.name), libvirt: network.name })),
      ...(facts.hostInterfaces ?? [])
        .filter((link) => link.nat?.dhcpStart !== undefined)
        .map((link) => ({ id: networkId('bridge', link.name), bridge: link.name })),
    ];
    await mapBounded(wanted, 8, async (entry) => {
      try {
        const result =
          'libvirt' in entry
            ? await this.deps.helper('GetNetworkLeases', { name: entry.libvirt })
            : await this.deps.helper('GetBridgeLeases', { bridge: entry.bridge });
        leases.set(entry.id, result.leases);
      } catch (err) {
        problems.push({
          source: 'libvirt' in entry ? 'libvirt-networks' : 'host-bridges',
          message: `The DHCP leases of ${entry.id} could not be read: ${reason(err)}`,
          subject: entry.id,
        });
      }
    });
    const networks = buildNetworkList({ ...facts, problems, leases, probe });
    return {
      networks,
      uplinks: uplinkCandidates(facts.hostInterfaces),
      engines: (await engines).engines.map((engine) => engine.engine),
      occupied: occupiedSubnets(networks, facts.hostInterfaces),
      problems,
      builtAt: Date.now(),
    };
  }

  /** The network `name` (of `kind`, when given); a name that several kinds have must be told apart. */
  async find(name: string, kind?: NetworkKind, listing?: NetworkListing): Promise<ManagedNetwork> {
    const { networks } = listing ?? (await this.list());
    const matches = networks.filter((n) => n.name === name && (kind === undefined || n.kind === kind));
    const [only, ...others] = matches;
    if (only !== undefined && others.length === 0) return only;
    if (only === undefined) {
      const other = kind === undefined ? [] : networks.filter((n) => n.name === name);
      throw new NovaError(
        'not-found',
        `there is no ${kind === undefined ? '' : `${kind} `}network named "${name}"`,
        other.length > 0
          ? `There is ${other.map((n) => `a ${n.kind} network`).join(' and ')} of that name: --kind ${other[0]?.kind ?? ''}.`
          : 'nova network list shows every network.',
      );
    }
    throw new NovaError(
      'invalid-input',
      `"${name}" names more than one network: ${matches.map((n) => `${n.kind} network "${n.name}"`).join(', ')}`,
      `Say which with --kind (${matches.map((n) => n.kind).join(' or ')}).`,
    );
  }

  /** Checks a new network against the rules and the host, without creating anything. */
  async check(input: NewNetwork, listing?: NetworkListing): Promise<CheckedNetwork> {
    const request = parse(NewNetwork, input);
    const current = listing ?? (await this.list());
    const result = validateNewNetwork(request, {
      existing: current.networks,
      occupied: current.occupied,
      uplinks: current.problems.some((p) => p.source === 'host-interfaces') ? undefined : current.uplinks,
    });
    if (!result.ok) {
      const { message, hint } = describeNetworkIssues(result.issues);
      throw new NovaError('invalid-input', message, hint);
    }
    return result.network;
  }

  async create(input: NewNetwork): Promise<{ kind: NetworkKind; name: string }> {
    const listing = await this.list();
    const network = await this.check(input, listing);
    const { helper } = this.deps;
    const mark = { project: network.project, name: network.name };
    if (network.backend !== 'libvirt') {
      const engine = await this.#engine(network.backend);
      await engine.createNetwork({
        name: network.name,
        ownership: { ...mark, specHash: specHash({ ...network }) },
        internal: network.type === 'isolated',
        ...(network.subnet === undefined ? {} : { subnet: network.subnet }),
        ...(network.gateway === undefined ? {} : { gateway: network.gateway }),
      });
      return { kind: network.backend, name: network.name };
    }
    const bridge = bridgeNameFor(network.name);
    if (listing.networks.some((n) => n.bridge === bridge || (n.kind === 'bridge' && n.name === bridge)))
      throw new NovaError(
        'conflict',
        `the Linux bridge ${bridge} that network "${network.name}" would use exists already`,
        'Choose another name.',
      );
    if (network.type === 'bridged') {
      const uplink = network.uplink;
      if (uplink === undefined) throw new NovaError('invalid-input', 'a bridged network needs an uplink');
      await helper('CreateHostBridge', {
        spec: owned<HostBridgeSpec>({ name: bridge, ownership: mark, uplink, stp: false }),
        takeUplink: true,
      });
      try {
        await helper('DefineNetwork', {
          spec: owned<NetworkSpec>({
            name: network.name,
            ownership: mark,
            mode: 'bridge',
            bridge,
            dns: false,
          }),
          autostart: network.autostart,
        });
      } catch (err) {
        // The bridge alone is no network the user asked for: give the uplink its addresses back.
        await helper('DeleteHostBridge', { name: bridge, project: network.project, force: false }).catch(
          () => undefined,
        );
        throw err;
      }
      return { kind: 'libvirt', name: network.name };
    }
    await helper('DefineNetwork', {
      spec: owned<NetworkSpec>({
        name: network.name,
        ownership: mark,
        mode: network.type === 'nat' ? 'nat' : 'isolated',
        bridge,
        ...(network.gateway === undefined || network.prefix === undefined
          ? {}
          : {
              ipv4: {
                address: network.gateway,
                prefix: network.prefix,
                ...(network.dhcp === undefined ? {} : { dhcp: network.dhcp }),
              },
            }),
        dns: true,
      }),
      autostart: network.autostart,
    });
    return { kind: 'libvirt', name: network.name };
  }

  async remove(input: NetworkRef & { force?: boolean | undefined }): Promise<{ detached: string[] }> {
    const { force = false, ...rest } = input;
    const ref = parse(NetworkRef, rest);
    const network = await this.find(ref.name, ref.kind);
    // Instances lose the network; host interfaces enslaved to a bridge (its uplink) go with the bridge.
    const blocking = network.members.filter((member) => member.kind !== 'interface');
    if (blocking.length > 0 && !force)
      throw new NovaError(
        'conflict',
        `${network.kind} network "${network.name}" has members: ${blocking.map(memberWord).join(', ')}`,
        'Detach them first (nova network detach), or delete with --force to take them off it.',
      );
    // A network Nova did not make is refused before anything is touched (its members keep it).
    if (network.origin !== 'nova' && !ref.foreign)
      throw new NovaError(
        'not-authorized',
        `${network.kind} network "${network.name}" was not made by Nova (origin: ${network.origin}); nothing was changed`,
        'Pass --foreign to delete it anyway, with what is on it.',
      );
    const detached: string[] = [];
    for (const member of blocking) {
      try {
        // Instances Nova did not make are taken off only with --foreign, like any change to them.
        await this.#detachMember(network, member, ref.foreign);
      } catch (err) {
        const done = detached.length === 0 ? 'nothing was detached' : `${detached.join(', ')} were detached`;
        throw new NovaError(
          err instanceof NovaError ? err.code : 'failed',
          `${memberWord(member)} could not be taken off ${network.name} (${err instanceof Error ? err.message : String(err)}); ${done} and the network was kept`,
          'Pass --foreign to take off instances Nova did not make, or detach them yourself first.',
        );
      }
      detached.push(memberWord(member));
    }
    const { helper } = this.deps;
    if (network.kind === 'libvirt') {
      await helper('DeleteNetwork', { name: network.name, foreign: ref.foreign });
      // A bridged network's own host bridge goes with it (its uplink gets its addresses back).
      if (
        network.mode === 'bridge' &&
        network.bridge === bridgeNameFor(network.name) &&
        network.origin === 'nova'
      )
        await helper('DeleteHostBridge', {
          name: network.bridge,
          ...(network.project === undefined ? {} : { project: network.project }),
          force: false,
        });
    } else if (network.kind === 'bridge') {
      await helper('DeleteHostBridge', { name: network.name, force: ref.foreign });
    } else {
      await (await this.#engine(network.kind)).removeNetwork({ name: network.name, foreign: ref.foreign });
    }
    return { detached };
  }

  async setActive(input: NetworkRef, active: boolean): Promise<void> {
    const ref = parse(NetworkRef, input);
    const network = await this.#libvirtOnly(ref, active ? 'started' : 'stopped');
    await this.deps.helper(active ? 'StartNetwork' : 'StopNetwork', {
      name: network.name,
      foreign: ref.foreign,
    });
  }

  async setAutostart(input: NetworkRef, autostart: boolean): Promise<void> {
    const ref = parse(NetworkRef, input);
    const network = await this.#libvirtOnly(ref, 'set to start with the host');
    await this.deps.helper('SetNetworkAutostart', { name: network.name, foreign: ref.foreign, autostart });
  }

  async attach(
    networkInput: NetworkRef,
    instanceInput: NetworkInstanceRef,
  ): Promise<{ mac?: string; live: boolean }> {
    const ref = parse(NetworkRef, networkInput);
    const instance = parse(NetworkInstanceRef, instanceInput);
    const network = await this.find(ref.name, ref.kind);
    if (instance.kind === 'vm') {
      let source: DomainNicSpec['source'];
      if (network.kind === 'libvirt') source = { type: 'network', network: network.name };
      else if (network.kind === 'bridge') source = { type: 'bridge', bridge: network.name };
      else
        throw new NovaError(
          'invalid-input',
          `VM "${instance.name}" cannot join ${network.kind} network "${network.name}": engine networks are for containers`,
          'Attach the VM to a libvirt network or a host bridge.',
        );
      return this.deps.helper('AttachNic', {
        name: instance.name,
        foreign: instance.foreign,
        nic: { source, model: 'virtio' },
      });
    }
    const { engine, containerId } = await this.#container(network, instance);
    await this.#engineNetworkCall(engine, network.name, 'connect', {
      container: containerId,
      foreign: instance.foreign,
    });
    return { live: true };
  }

  async detach(networkInput: NetworkRef, instanceInput: NetworkInstanceRef): Promise<{ macs: string[] }> {
    const ref = parse(NetworkRef, networkInput);
    const instance = parse(NetworkInstanceRef, instanceInput);
    const network = await this.find(ref.name, ref.kind);
    if (instance.kind === 'vm') return this.#detachVm(network, instance.name, instance.foreign);
    const { engine, containerId } = await this.#container(network, instance);
    await this.#engineNetworkCall(engine, network.name, 'disconnect', {
      container: containerId,
      foreign: instance.foreign,
    });
    return { macs: [] };
  }

  async #detachVm(network: ManagedNetwork, vm: string, foreign: boolean): Promise<{ macs: string[] }> {
    const info = await this.deps.helper('GetDomainInfo', { name: vm });
    const macs = info.nics.flatMap((nic) => {
      const on =
        (nic.source.type === 'network' &&
          network.kind === 'libvirt' &&
          nic.source.network === network.name) ||
        (nic.source.type === 'bridge' && nic.source.bridge === network.bridge);
      return on && nic.mac !== undefined ? [nic.mac] : [];
    });
    if (macs.length === 0)
      throw new NovaError(
        'not-found',
        `VM "${vm}" has no interface on ${network.kind} network "${network.name}"`,
        `nova network inspect ${network.name} lists its members.`,
      );
    for (const mac of macs) await this.deps.helper('DetachNic', { name: vm, foreign, mac });
    return { macs };
  }

  async #detachMember(network: ManagedNetwork, member: NetworkMember, foreign: boolean): Promise<void> {
    if (member.kind === 'vm') {
      if (member.mac === undefined) await this.#detachVm(network, member.name, foreign);
      else await this.deps.helper('DetachNic', { name: member.name, foreign, mac: member.mac });
    } else if (member.kind === 'container' && member.engine !== undefined) {
      await this.#engineNetworkCall(await this.#engine(member.engine), network.name, 'disconnect', {
        container: member.name,
        foreign,
      });
    }
  }

  async #libvirtOnly(ref: { name: string; kind: NetworkKind }, what: string): Promise<ManagedNetwork> {
    const network = await this.find(ref.name, ref.kind);
    if (network.kind !== 'libvirt')
      throw new NovaError(
        'invalid-input',
        `${network.kind} network "${network.name}" cannot be ${what}: only libvirt networks can`,
        network.kind === 'bridge'
          ? 'Use `ip link set` for a host bridge.'
          : 'Engine networks are always available.',
      );
    return network;
  }

  async #engine(name: EngineName): Promise<ContainerEngine> {
    const { engines } = await this.deps.engines();
    const engine = engines.find((candidate) => candidate.engine === name);
    if (engine === undefined)
      throw new NovaError(
        'backend-unavailable',
        `${name} cannot be reached from here`,
        `Start ${name}, or choose another engine (reachable: ${engines.map((e) => e.engine).join(', ') || 'none'}).`,
      );
    return engine;
  }

  async #container(
    network: ManagedNetwork,
    instance: { name: string; engine?: EngineName | undefined; foreign: boolean },
  ): Promise<{ engine: ContainerEngine; containerId: string }> {
    if (network.kind === 'libvirt' || network.kind === 'bridge')
      throw new NovaError(
        'invalid-input',
        `container "${instance.name}" cannot join ${network.kind} network "${network.name}": containers join their engine’s networks`,
        'Attach it to a docker or podman network (nova network list shows them).',
      );
    if (instance.engine !== undefined && instance.engine !== network.kind)
      throw new NovaError(
        'invalid-input',
        `container "${instance.name}" of ${instance.engine} cannot join ${network.kind} network "${network.name}"`,
        `Choose a ${instance.engine} network.`,
      );
    const engine = await this.#engine(network.kind);
    const container = (await engine.listContainers()).find(
      (candidate) => candidate.name === instance.name || candidate.containerId === instance.name,
    );
    if (container === undefined)
      throw new NovaError(
        'not-found',
        `${engine.engine} has no container "${instance.name}"`,
        'nova container list shows every container.',
      );
    if (container.origin !== 'nova' && !instance.foreign)
      throw new NovaError(
        'conflict',
        `container "${instance.name}" was not created by Nova, and Nova changes only what it created`,
        'Say that you mean it with --foreign.',
      );
    return { engine, containerId: container.containerId };
  }

  /** Directly with the engine's socket, or through the helper for a root-owned engine. */
  async #engineNetworkCall(
    engine: ContainerEngine,
    network: string,
    action: 'connect' | 'disconnect',
    target: ContainerTarget,
  ): Promise<void> {
    if (engine instanceof DockerEngine) await changeContainerNetwork(engine, network, target, action);
    else if (engine instanceof HelperEngine) {
      if (action === 'connect') await engine.connectNetwork(network, target);
      else await engine.disconnectNetwork(network, target);
    } else
      throw new NovaError(
        'failed',
        `${engine.engine} is reached in a way that cannot ${action} containers`,
        `Use \`${engine.engine} network ${action} ${network} ${target.container}\`.`,
      );
  }
}
