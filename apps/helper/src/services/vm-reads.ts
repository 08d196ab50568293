// The helper's reads of VMs (libvirt domains): lists, one domain's details, its XML, load and addresses.
import { type DomainInterfaceAddresses, type InstanceState, NovaError, type OwnedDomain } from '@nova/core';
import { mapBounded, parseDomainConfig } from '@nova/core/node';

import type { HelperGroupImplementation } from '../dispatcher.js';
import { XML_INACTIVE } from '../libvirt/libvirt-manage.js';
import { domainLabel, domainPathOf, type HelperContext } from './context.js';

/** virDomainRunningReason and friends, in words (https://libvirt.org/html/libvirt-libvirt-domain.html). */
const REASONS: Record<InstanceState, string[]> = {
  running: [
    'unknown',
    'booted',
    'migrated',
    'restored',
    'from snapshot',
    'unpaused',
    'migration cancelled',
    'save cancelled',
    'woken up',
    'crashed',
    'post-copy',
  ],
  paused: [
    'unknown',
    'user',
    'migration',
    'save',
    'dump',
    'I/O error',
    'watchdog',
    'from snapshot',
    'shutting down',
    'snapshot',
    'crashed',
    'starting up',
    'post-copy',
    'post-copy failed',
  ],
  stopped: [
    'unknown',
    'shut down',
    'destroyed',
    'crashed',
    'migrated',
    'saved',
    'failed',
    'from snapshot',
    'daemon',
  ],
  stopping: ['unknown', 'user'],
  crashed: ['unknown', 'panicked'],
  suspended: ['unknown'],
  starting: ['unknown'],
  unknown: ['unknown'],
};

const ADDRESS_SOURCES = { lease: 0, agent: 1, arp: 2 } as const;

export function vmReadMethods(ctx: HelperContext): HelperGroupImplementation<'vmReads'> {
  const { libvirt, manager } = ctx;
  return {
    ListDomains: async () => ({ connection: libvirt.connectionUri, domains: await libvirt.listDomains() }),

    ListOwnedDomains: async ({ project }) => {
      const paths = await libvirt.domainPaths();
      const domains = await mapBounded(paths, 16, async (path): Promise<OwnedDomain | undefined> => {
        let config: ReturnType<typeof parseDomainConfig>;
        try {
          config = parseDomainConfig(await manager.domainXml(path, XML_INACTIVE));
        } catch (err) {
          if (err instanceof NovaError && err.code === 'not-found') return undefined;
          throw err;
        }
        if (config.nova === undefined || (project !== undefined && config.nova.project !== project))
          return undefined;
        const [state, autostart] = await Promise.all([
          manager.domainState(path),
          manager.domainAutostart(path),
        ]);
        const { nova, name, uuid, kernel, tpm, lookingGlassMiB, ...rest } = config;
        return {
          name,
          uuid,
          state,
          autostart,
          mark: {
            ...(nova.project === undefined ? {} : { project: nova.project }),
            ...(nova.name === undefined ? {} : { name: nova.name }),
            ...(nova.specHash === undefined ? {} : { specHash: nova.specHash }),
          },
          config: {
            ...rest,
            ...(kernel === undefined ? {} : { kernel }),
            ...(tpm === undefined ? {} : { tpm }),
            ...(lookingGlassMiB === undefined ? {} : { lookingGlassMiB }),
          },
        };
      });
      return { domains: domains.filter((domain): domain is OwnedDomain => domain !== undefined) };
    },

    ListDomainFacts: async ({ names }) => ({ domains: await libvirt.domainFacts(names) }),

    GetDomainInfo: async (ref) => {
      const path = await domainPathOf(ctx, ref);
      const [xml, { state, reason }, autostart, persistent, snapshots] = await Promise.all([
        manager.domainXml(path, XML_INACTIVE),
        manager.domainStateReason(path),
        manager.domainAutostart(path),
        manager.domainPersistent(path),
        manager.listSnapshotPaths(path),
      ]);
      const config = parseDomainConfig(xml);
      return {
        name: config.name,
        uuid: config.uuid,
        state,
        reason: REASONS[state][reason] ?? 'unknown',
        origin: config.nova === undefined ? 'external' : 'nova',
        ...(config.nova?.project === undefined ? {} : { project: config.nova.project }),
        persistent,
        autostart,
        type: config.type,
        vcpus: config.vcpus,
        memoryBytes: config.memoryBytes,
        disks: config.disks,
        nics: config.nics,
        snapshots: snapshots.length,
      };
    },

    GetDomainXml: async ({ inactive, ...ref }) => {
      const path = await domainPathOf(ctx, ref);
      return { xml: await manager.domainXml(path, inactive ? XML_INACTIVE : 0) };
    },

    GetDomainStats: async ({ names, activeOnly }) => {
      const stats = await libvirt.allDomainStats({ activeOnly: activeOnly === true });
      return { stats: names === undefined ? stats : stats.filter((entry) => names.includes(entry.name)) };
    },

    GetDomainAddresses: async ({ source, ...ref }) => {
      const path = await domainPathOf(ctx, ref);
      let raw: unknown[];
      try {
        raw = await manager.interfaceAddresses(path, ADDRESS_SOURCES[source]);
      } catch (err) {
        if (source === 'agent' && err instanceof NovaError) {
          throw new NovaError(
            'backend-unavailable',
            `the guest agent of the VM ${domainLabel(ref)} did not answer: ${err.message}`,
            'Install and start qemu-guest-agent in the guest, or ask with source "lease" or "arp".',
          );
        }
        throw err;
      }
      const interfaces: DomainInterfaceAddresses[] = raw.flatMap((entry) => {
        if (!Array.isArray(entry)) return [];
        const [iface, mac, addresses] = entry as [unknown, unknown, unknown];
        return [
          {
            interface: String(iface),
            mac: String(mac),
            addresses: (Array.isArray(addresses) ? addresses : []).flatMap((address) => {
              if (!Array.isArray(address)) return [];
              const [type, value, prefix] = address as [unknown, unknown, unknown];
              return [
                {
                  family: type === 1 ? ('ipv6' as const) : ('ipv4' as const),
                  address: String(value),
                  prefix: Number(prefix),
                },
              ];
            }),
          },
        ];
      });
      return { interfaces };
    },
  };
}
