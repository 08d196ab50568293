// Node-only entry point of @nova/core: the managers wired to the real system (D-Bus, engines).
import { EngineDiscovery } from './containers/engine-discovery.js';
import { NovaError } from './contract/errors.js';
import { HELPER_BUS_NAME } from './contract/helper.js';
import { HelperClient } from './helper-client/helper-client.js';
import { InstanceManager } from './instances/instance-manager.js';
import type { VersionReport } from './model/host.js';
import { versionReport } from './system/version-report.js';
import { NOVA_VERSION } from './version.js';

export { EngineDiscovery } from './containers/engine-discovery.js';
export * from './containers/engines.js';
export { BoundedCaller, DBusCallTimeout, LIMITS_EXCEEDED } from './dbus/bounded-caller.js';
export { connectSystemBus } from './dbus/system-bus.js';
export { helperCallError, HelperClient } from './helper-client/helper-client.js';
export * from './libvirt/libvirt-dbus.js';
export { mapBounded, Semaphore } from './util/semaphore.js';

export interface NovaServices {
  instances: InstanceManager;
  version(): Promise<VersionReport>;
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

export function createNovaServices(): NovaServices {
  const helper = new LazyHelper();
  const discovery = new EngineDiscovery(async (engine) =>
    (await helper.get()).call('ListContainers', { engine }),
  );
  const instances = new InstanceManager(
    {
      endpoint: `qemu:///system via ${HELPER_BUS_NAME}`,
      listDomains: async () => (await helper.get()).call('ListDomains', {}),
    },
    discovery,
  );
  return {
    instances,
    version: () =>
      versionReport({
        novaVersion: NOVA_VERSION,
        helperStatus: async () => (await helper.get()).call('GetStatus', {}),
        probeEngines: () => discovery.probeAll({ withVersion: true }),
      }),
    close: () => {
      helper.close();
    },
  };
}

export { NovaError };
