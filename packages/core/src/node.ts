// Node-only entry point of @nova/core: the managers wired to the real system (D-Bus, engines).
import { ContainerManager, preferredEngineFromEnv } from './containers/container-manager.js';
import { EngineDiscovery } from './containers/engine-discovery.js';
import { NovaError } from './contract/errors.js';
import type { HelperCall } from './contract/helper/index.js';
import { HELPER_BUS_NAME, type HostLinkChanged, type NetworkChanged } from './contract/helper/index.js';
import { HelperClient } from './helper-client/helper-client.js';
import { listHostLinks } from './host/ip-link.js';
import { shareVmEvents, watchHelperSignals } from './instances/helper-signals.js';
import { InstanceManager } from './instances/instance-manager.js';
import { type InstanceChangeListener, watchInstances } from './instances/instance-watch.js';
import type { VersionReport } from './model/host.js';
import type { EngineName } from './model/instance.js';
import type { NovaFileDeps } from './novafile/novafile-service.js';
import type { HostFacts } from './novafile/semantics.js';
import { versionReport } from './system/version-report.js';
import { NOVA_VERSION } from './version.js';

export * from './containers/container-manager.js';
export * from './containers/docker-engine.js';
export * from './containers/engine.js';
export * from './containers/engine-discovery.js';
export * from './containers/engines.js';
export * from './containers/helper-engine.js';
export * from './containers/tarball.js';
export { BoundedCaller, DBusCallTimeout, LIMITS_EXCEEDED } from './dbus/bounded-caller.js';
export * from './dbus/polkit.js';
export { connectSystemBus } from './dbus/system-bus.js';
export * from './diag/checks.js';
export * from './diag/diag.js';
export * from './exporter/index.js';
export {
  HelperCallError,
  helperCallError,
  type HelperCallOptions,
  HelperClient,
  newCallId,
} from './helper-client/helper-client.js';
export * from './instances/helper-signals.js';
export * from './instances/instance-watch.js';
export * from './libvirt/domain-builder.js';
export * from './libvirt/domain-config.js';
export * from './libvirt/domain-xml.js';
export * from './libvirt/libvirt-bus.js';
export * from './libvirt/network-builder.js';
export * from './libvirt/network-xml.js';
export * from './libvirt/snapshot-xml.js';
export * from './libvirt/storage-builder.js';
export * from './libvirt/storage-xml.js';
export * from './metrics/proc.js';
export * from './metrics/rates.js';
export * from './metrics/ring-buffer.js';
export * from './metrics/sampler.js';
export * from './metrics/sources.js';
export * from './support/bundle.js';
export * from './support/nova-support.js';
export * from './support/redact.js';
export * from './support/tar.js';
export { mapBounded, Semaphore } from './util/semaphore.js';

/** A change to the host's networks, as the source that saw it tells it. */
export type NetworkChange =
  | { source: 'libvirt'; name: string; event: NetworkChanged['event'] }
  | { source: 'host'; name: string; event: HostLinkChanged['event'] }
  | { source: EngineName; name: string; event: string };

/** Whether a source of network changes is being followed: the helper's signals, or an engine's events. */
export interface NetworkWatchStatus {
  source: 'helper' | EngineName;
  live: boolean;
  detail: string;
}

export interface NovaServices {
  instances: InstanceManager;
  /** Containers, images, engine networks and volumes of every reachable engine. */
  containers: ContainerManager;
  /**
   * Reports each change to an instance or a source as it happens (engine events, libvirt's signals
   * through the helper) until the returned function is called. Sources that are missing are retried.
   */
  watchInstances(listener: InstanceChangeListener): () => void;
  /**
   * Reports each change to a network as it happens: libvirt's networks and the host's links (the
   * helper's signals) and the networks of engines reached directly, until the returned function is called.
   * `status` hears when each source starts or stops being followed (changes made meanwhile are missed).
   */
  watchNetworks(
    listener: (change: NetworkChange) => void,
    status?: (status: NetworkWatchStatus) => void,
  ): () => void;
  version(): Promise<VersionReport>;
  /** Networks on this host, for checking a NovaFile's references; what could not be asked is a warning. */
  hostFacts(): Promise<{ facts: HostFacts; warnings: string[] }>;
  /** What planning and applying a NovaFile needs: the helper and the engines. */
  novaFile: NovaFileDeps;
  /** Any method of the privileged helper, through the contract. */
  helper: HelperCall;
  close(): void;
}

/**
 * Connects to the helper on first use and again after the bus connection was lost, so that a
 * long-running process (main, browser mode) recovers when the bus or the helper comes back.
 */
export class LazyHelper {
  #client: Promise<HelperClient> | undefined;

  async get(): Promise<HelperClient> {
    if (this.#client === undefined) {
      const pending = HelperClient.connect();
      this.#client = pending;
      pending.catch(() => {
        if (this.#client === pending) this.#client = undefined;
      });
      return pending;
    }
    const client = await this.#client;
    if (client.lost) {
      this.#client = undefined;
      client.close();
      return this.get();
    }
    return client;
  }

  close(): void {
    const pending = this.#client;
    this.#client = undefined;
    pending?.then(
      (client) => {
        client.close();
      },
      () => undefined,
    );
  }
}

export interface NovaServicesOptions {
  /** The container engine the user chose (`--engine`); NOVA_ENGINE otherwise. */
  engine?: EngineName;
}

export function createNovaServices(options: NovaServicesOptions = {}): NovaServices {
  const helper = new LazyHelper();
  const discovery = new EngineDiscovery(() => helper.get());
  const containers = new ContainerManager(discovery, options.engine ?? preferredEngineFromEnv());
  // One subscription to the helper's signals for this process, however many follow them.
  const helperEvents = shareVmEvents({ watch: (watcher) => watchHelperSignals(() => helper.get(), watcher) });
  const instances = new InstanceManager(
    {
      endpoint: `qemu:///system via ${HELPER_BUS_NAME}`,
      listDomains: async () => (await helper.get()).call('ListDomains', {}),
    },
    discovery,
  );
  return {
    instances,
    containers,
    watchInstances: (listener) =>
      watchInstances(
        {
          containers,
          vms: helperEvents,
        },
        listener,
      ),
    watchNetworks: (listener, status) => {
      const ignore = () => undefined;
      const stops = [
        helperEvents.watch({
          domain: ignore,
          backend: ignore,
          status: (state, detail) => status?.({ source: 'helper', live: state === 'available', detail }),
          network: (change) => {
            listener({ source: 'libvirt', name: change.name, event: change.event });
          },
          hostLink: (change) => {
            listener({ source: 'host', name: change.name, event: change.event });
          },
        }),
        containers.watch({
          event: ignore,
          status: (engine) =>
            status?.({ source: engine.engine, live: engine.status === 'available', detail: engine.detail }),
          network: (change) => {
            listener({ source: change.engine, name: change.network, event: change.action });
          },
        }),
      ];
      return () => {
        for (const stop of stops) stop();
      };
    },
    version: () =>
      versionReport({
        novaVersion: NOVA_VERSION,
        helperStatus: async () => (await helper.get()).call('GetStatus', {}),
        probeEngines: () => discovery.probeAll({ withVersion: true }),
      }),
    novaFile: {
      helper: async (method, input) => (await helper.get()).call(method, input),
      containers,
    },
    helper: async (method, input) => (await helper.get()).call(method, input),
    hostFacts: async () => {
      const warnings: string[] = [];
      const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));
      const [libvirtNetworks, links, engineNetworks] = await Promise.all([
        helper
          .get()
          .then((client) => client.call('ListNetworks', {}))
          .then(
            ({ networks }) => networks.map((network) => network.name),
            (err: unknown) => {
              warnings.push(`libvirt networks were not checked: ${reason(err)}`);
              return undefined;
            },
          ),
        listHostLinks().then(
          (all) => all.filter((link) => link.kind === 'bridge').map((link) => link.name),
          (err: unknown) => {
            warnings.push(`host bridges were not checked: ${reason(err)}`);
            return [];
          },
        ),
        discovery.engines().then(async ({ engines }) => {
          const names: string[] = [];
          for (const engine of engines) {
            try {
              names.push(...(await engine.listNetworks()).map((network) => network.name));
            } catch (err) {
              warnings.push(`${engine.engine} networks were not checked: ${reason(err)}`);
            }
          }
          return names;
        }),
      ]);
      const facts: HostFacts = {
        ...(libvirtNetworks === undefined ? {} : { networks: [...libvirtNetworks, ...links] }),
        engineNetworks,
      };
      return { facts, warnings };
    },
    close: () => {
      helper.close();
    },
  };
}

export { NovaError };
export * from './fs/atomic-write.js';
export * from './host/ip-link.js';
export * from './instances/instance-actions.js';
export * from './instances/instance-details.js';
export * from './libvirt/domain-clone.js';
export * from './networks/index.js';
export * from './novafile/apply.js';
export * from './novafile/edit.js';
export * from './novafile/load.js';
export * from './novafile/novafile-service.js';
export * from './novafile/plan.js';
export * from './novafile/resolve.js';
export * from './storage/ensure-pool.js';
export * from './storage/pool-choices.js';
export * from './templates/index.js';
export * from './topology/index.js';
export * from './wizard/index.js';
