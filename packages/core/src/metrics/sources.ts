// The sampler's sources on a real host: /proc, libvirt through the helper, every reachable engine.
import type { ContainerManager } from '../containers/container-manager.js';
import type { HelperCall } from '../contract/helper/index.js';
import { readHostCounters } from './proc.js';
import type { MetricsSources } from './sampler.js';

export interface MetricsDeps {
  helper: HelperCall;
  containers: ContainerManager;
}

export function metricsSources(deps: MetricsDeps): MetricsSources {
  return {
    readHost: () => readHostCounters(),
    // Without names: every domain in one GetAllDomainStats call.
    // Shut-off domains have no load: leaving them out keeps the per-second call small on a host that
    // defines hundreds.
    domainStats: async () => (await deps.helper('GetDomainStats', { activeOnly: true })).stats,
    vmIds: async () => {
      const { domains } = await deps.helper('ListDomains', {});
      return new Map(domains.map((domain) => [domain.name, `vm/${domain.uuid}`]));
    },
    streamContainerStats: async (onSample, signal) => {
      const { engines } = await deps.containers.engines();
      await Promise.all(engines.map((engine) => engine.streamStats(onSample, signal).catch(() => undefined)));
    },
  };
}
