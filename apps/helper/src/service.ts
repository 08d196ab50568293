import { NOVA_VERSION, NovaError } from '@nova/core';
import type { LibvirtDbusClient } from '@nova/core/node';
import { listEngineContainers, parseEngineAddress, ROOT_ENGINE_SOCKETS } from '@nova/core/node';

import type { HelperImplementation } from './dispatcher.js';

/** What the helper does once a call is authorized and its input checked. */
export function helperImplementation(libvirt: LibvirtDbusClient): HelperImplementation {
  return {
    GetStatus: async () => {
      const libvirtCheck = await libvirt.check();
      const kvm =
        libvirtCheck.status === 'ok'
          ? await libvirt.checkKvm()
          : { status: 'unavailable' as const, detail: 'unknown: libvirt is unreachable' };
      return { helperVersion: NOVA_VERSION, libvirt: libvirtCheck, kvm };
    },
    ListDomains: async () => ({ connection: libvirt.connectionUri, domains: await libvirt.listDomains() }),
    ListNetworks: async () => ({ networks: await libvirt.listNetworks() }),
    ListContainers: async ({ engine }) => {
      const socket = ROOT_ENGINE_SOCKETS[engine];
      const endpoint = parseEngineAddress(engine, `unix://${socket}`);
      try {
        return { endpoint: endpoint.label, containers: await listEngineContainers(endpoint) };
      } catch (err) {
        if (err instanceof NovaError) throw err;
        throw new NovaError('failed', err instanceof Error ? err.message : String(err));
      }
    },
  };
}
