// Probes of the helper: the authorization matrix asserts each one's answer for each caller, and the
// hostile-input suite replaces one field at a time.
import type { ErrorCode, HelperInput, HelperMethodName } from '@nova/core';

import { mustRun, run } from './lab.js';

/** A name nothing on the lab has: methods asked about it answer "not found" and change nothing. */
export const PROBE_ABSENT = 'nova-probe-absent';
/** A Docker volume and network that exist while probing, so that creating them again is a "conflict". */
export const PROBE_VOLUME = 'nova-probe-volume';
export const PROBE_NETWORK = 'nova-probe-network';

/** Makes what the probes need to exist (a volume and a network Nova did not make, in Docker). */
export async function makeProbeFixtures(): Promise<void> {
  await mustRun('docker', ['volume', 'create', '--label', 'dev.nova.test=1', PROBE_VOLUME]);
  if ((await run('docker', ['network', 'inspect', PROBE_NETWORK])).code !== 0)
    await mustRun('docker', ['network', 'create', '--internal', '--label', 'dev.nova.test=1', PROBE_NETWORK]);
}

export async function removeProbeFixtures(): Promise<void> {
  await run('docker', ['volume', 'rm', '-f', PROBE_VOLUME]);
  await run('docker', ['network', 'rm', PROBE_NETWORK]);
}

/** A folder that does not exist: files the probes name inside it are "not found". */
const NOWHERE = '/tmp/nova-probe-absent';

/** What a method answers to its probe: a result its output schema parses, or its own error. */
export type ProbeAnswer = { result: true } | { error: ErrorCode; message: RegExp };

export interface Probe<M extends HelperMethodName> {
  input: HelperInput<M>;
  answer: ProbeAnswer;
}

const result = { result: true } as const;
const noVm = { error: 'not-found', message: /there is no VM named "nova-probe-absent"/ } as const;
const noNetwork = { error: 'not-found', message: /there is no network named "nova-probe-absent"/ } as const;
const noBridge = { error: 'not-found', message: /there is no host bridge named "nv-probe-absent"/ } as const;
const noContainer = { error: 'not-found', message: /docker has no container "nova-probe-absent"/ } as const;
const notNovas = { error: 'conflict', message: /"nova-probe-absent" .*was not created by Nova/ } as const;
const noPool = { error: 'not-found', message: /there is no storage pool named "nova-probe-absent"/ } as const;
const target = { name: PROBE_ABSENT, project: 'nova-probe', foreign: false };
const container = {
  engine: 'docker',
  container: PROBE_ABSENT,
  project: 'nova-probe',
  foreign: false,
} as const;
const probeOwnership = { project: 'nova-probe', name: 'probe', specHash: 'a'.repeat(64) };

/**
 * For every method, a request whose answer is known and changes nothing on the host, whoever may
 * call it: reads return a result; changes are asked about things that do not exist (not-found), are not
 * Nova's (conflict), or that the method itself refuses. Requests carry every field they can, so that the
 * hostile-input suite reaches each one. A method without an entry does not type-check.
 */
export const HELPER_PROBES: { [M in HelperMethodName]: Probe<M> } = {
  GetStatus: { input: {}, answer: result },
  ListDomains: { input: {}, answer: result },
  ListOwnedDomains: { input: { project: PROBE_ABSENT }, answer: result },
  ListDomainFacts: { input: { names: [PROBE_ABSENT] }, answer: result },
  GetDomainInfo: { input: { name: PROBE_ABSENT }, answer: noVm },
  GetDomainXml: { input: { name: PROBE_ABSENT, inactive: true }, answer: noVm },
  GetDomainStats: { input: { names: [PROBE_ABSENT], activeOnly: false }, answer: result },
  GetDomainAddresses: { input: { name: PROBE_ABSENT, source: 'lease' }, answer: noVm },
  ListSnapshots: { input: { name: PROBE_ABSENT }, answer: noVm },
  DefineDomain: {
    // The first file it names does not exist: refused before anything is written.
    input: {
      spec: {
        name: PROBE_ABSENT,
        ownership: probeOwnership,
        type: 'qemu',
        vcpus: 1,
        memoryBytes: 64 * 1024 * 1024,
        firmware: {
          type: 'uefi',
          secureBoot: false,
          loader: `${NOWHERE}/OVMF_CODE.fd`,
          nvramTemplate: `${NOWHERE}/OVMF_VARS.fd`,
        },
        kernel: {
          path: `${NOWHERE}/vmlinuz`,
          initrd: `${NOWHERE}/initrd.img`,
          cmdline: 'console=ttyS0 quiet',
        },
        disks: [
          {
            source: { type: 'file', path: `${NOWHERE}/disk.img` },
            format: 'raw',
            bus: 'virtio',
            target: 'vda',
            readonly: false,
            device: 'disk',
          },
          {
            source: { type: 'volume', pool: PROBE_ABSENT, volume: 'disk.qcow2' },
            format: 'qcow2',
            bus: 'sata',
            target: 'sdb',
            readonly: true,
            device: 'cdrom',
          },
        ],
        nics: [
          { source: { type: 'network', network: PROBE_ABSENT }, model: 'virtio', mac: '52:54:00:aa:bb:cc' },
          { source: { type: 'bridge', bridge: 'nv-probe-absent' }, model: 'e1000e' },
        ],
        tpm: { version: '2.0', backend: 'emulator' },
        hostdevs: [{ address: '0000:01:00.0', romFile: `${NOWHERE}/vga.rom` }],
        lookingGlassMiB: 64,
        graphics: true,
        cloudInit: {
          instanceId: 'probe-1',
          hostname: 'probe',
          userData: '#cloud-config\npackages: [htop]\n',
          publicKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBvNQkGPLv1U2vH probe@nova'],
        },
      },
    },
    answer: { error: 'not-found', message: /^spec\.disks\.0\.source\.path: .* does not exist/ },
  },
  StartDomain: { input: target, answer: noVm },
  StopDomain: {
    input: { ...target, mode: 'shutdown', timeoutSeconds: 5, forceAfterTimeout: false },
    answer: noVm,
  },
  RebootDomain: { input: target, answer: noVm },
  PauseDomain: { input: target, answer: noVm },
  ResumeDomain: { input: target, answer: noVm },
  DeleteDomain: { input: { ...target, removeVolumes: true }, answer: noVm },
  SetDomainAutostart: { input: { ...target, autostart: true }, answer: noVm },
  CreateSnapshot: {
    input: { ...target, snapshot: 'snap1', description: 'before the upgrade' },
    answer: noVm,
  },
  RevertSnapshot: { input: { ...target, snapshot: 'snap1' }, answer: noVm },
  DeleteSnapshot: { input: { ...target, snapshot: 'snap1' }, answer: noVm },
  CloneDomain: { input: { ...target, clone: 'nova-probe-copy' }, answer: noVm },
  AttachNic: {
    input: {
      ...target,
      nic: { source: { type: 'network', network: 'default' }, model: 'virtio', mac: '52:54:00:12:34:56' },
    },
    answer: noVm,
  },
  DetachNic: { input: { ...target, mac: '52:54:00:12:34:56' }, answer: noVm },
  ListNetworks: { input: {}, answer: result },
  GetNetworkXml: { input: { name: PROBE_ABSENT }, answer: noNetwork },
  GetNetworkLeases: { input: { name: PROBE_ABSENT }, answer: noNetwork },
  DefineNetwork: {
    // libvirt's own network: Nova does not replace what it did not create.
    input: {
      spec: {
        name: 'default',
        ownership: probeOwnership,
        mode: 'nat',
        bridge: 'nv-probe-absent',
        ipv4: { address: '10.199.0.1', prefix: 24, dhcp: { start: '10.199.0.10', end: '10.199.0.20' } },
        dns: true,
      },
      autostart: false,
    },
    answer: { error: 'conflict', message: /network "default" was not created by Nova/ },
  },
  StartNetwork: { input: target, answer: noNetwork },
  StopNetwork: { input: target, answer: noNetwork },
  SetNetworkAutostart: { input: { ...target, autostart: true }, answer: noNetwork },
  DeleteNetwork: { input: target, answer: noNetwork },
  ListHostInterfaces: { input: {}, answer: result },
  ListHostBridges: { input: {}, answer: result },
  GetBridgeLeases: {
    input: { bridge: 'nv-probe-absent' },
    answer: { error: 'not-found', message: /"nv-probe-absent" is not one of Nova's NAT bridges/ },
  },
  CreateHostBridge: {
    // The loopback interface exists, and Nova did not make it.
    input: {
      spec: {
        name: 'lo',
        ownership: probeOwnership,
        stp: true,
        nat: { address: '10.198.0.1', prefix: 24, dhcp: { start: '10.198.0.10', end: '10.198.0.20' } },
      },
      takeUplink: false,
    },
    answer: { error: 'conflict', message: /an interface named "lo" exists and Nova did not create it/ },
  },
  DeleteHostBridge: {
    input: { name: 'nv-probe-absent', project: 'nova-probe', force: false },
    answer: noBridge,
  },
  AttachHostInterface: {
    input: { bridge: 'nv-probe-absent', interface: 'lo', takeUplink: false, force: false },
    answer: noBridge,
  },
  DetachHostInterface: {
    input: { bridge: 'nv-probe-absent', interface: 'lo', force: false },
    answer: noBridge,
  },
  SetBridgeStp: { input: { bridge: 'nv-probe-absent', enabled: true, force: false }, answer: noBridge },
  ListStorage: { input: {}, answer: result },
  DefinePool: {
    // A system folder: refused before libvirt is asked anything.
    input: {
      spec: {
        name: PROBE_ABSENT,
        ownership: probeOwnership,
        path: '/etc/nova-probe-absent',
        shared: false,
        createFolder: false,
      },
    },
    answer: {
      error: 'invalid-input',
      message: /^spec\.path: \/etc\/nova-probe-absent cannot hold a storage pool/,
    },
  },
  DeletePool: { input: { name: PROBE_ABSENT, project: 'nova-probe' }, answer: notNovas },
  CreateVolume: {
    input: {
      project: 'nova-probe',
      spec: { pool: PROBE_ABSENT, name: 'disk.qcow2', format: 'qcow2', capacityBytes: 1024 ** 3 },
    },
    answer: noPool,
  },
  ResizeVolume: {
    input: { project: 'nova-probe', pool: PROBE_ABSENT, name: 'disk.qcow2', capacityBytes: 2 * 1024 ** 3 },
    answer: {
      error: 'conflict',
      message: /disk image "disk\.qcow2" in pool "nova-probe-absent" was not created by Nova/,
    },
  },
  DeleteVolume: {
    input: { project: 'nova-probe', pool: PROBE_ABSENT, name: 'disk.qcow2' },
    answer: {
      error: 'conflict',
      message: /disk image "disk\.qcow2" in pool "nova-probe-absent" was not created by Nova/,
    },
  },
  UploadVolume: {
    input: {
      project: 'nova-probe',
      pool: PROBE_ABSENT,
      name: 'upload.qcow2',
      source: `${NOWHERE}/upload.qcow2`,
      format: 'qcow2',
    },
    answer: noPool,
  },
  ListContainers: { input: { engine: 'docker' }, answer: result },
  InspectContainer: { input: { engine: 'docker', container: PROBE_ABSENT }, answer: noContainer },
  ContainerStats: { input: { engine: 'docker', containers: [PROBE_ABSENT] }, answer: noContainer },
  ContainerLogs: {
    input: { engine: 'docker', container: PROBE_ABSENT, options: { tail: 10, since: 0, timestamps: true } },
    answer: { error: 'not-found', message: /nova-probe-absent/ },
  },
  CreateContainer: {
    // Its bind mount's folder does not exist: refused before the engine is asked to create anything.
    input: {
      engine: 'docker',
      spec: {
        name: PROBE_ABSENT,
        ownership: probeOwnership,
        image: 'nova-test/busybox:latest',
        command: ['sleep', '3600'],
        env: { GREETING: 'hello' },
        ports: [{ hostIp: '127.0.0.1', containerPort: 80, hostPort: 18080, protocol: 'tcp' }],
        mounts: [
          { type: 'bind', source: `${NOWHERE}/data`, target: '/data', readOnly: true },
          { type: 'volume', source: 'nova-probe-data', target: '/cache', readOnly: false },
        ],
        network: 'bridge',
        restart: { name: 'on-failure', maxRetries: 3 },
        nanoCpus: 500_000_000,
        memoryBytes: 64 * 1024 * 1024,
        readOnly: false,
        noNewPrivileges: true,
        gpus: false,
        labels: { 'org.example.team': 'lab' },
      },
    },
    answer: {
      error: 'not-found',
      message: /bind mount \/tmp\/nova-probe-absent\/data.* does not exist/,
    },
  },
  StartContainer: { input: container, answer: noContainer },
  StopContainer: { input: { ...container, timeoutSeconds: 5 }, answer: noContainer },
  RestartContainer: { input: { ...container, timeoutSeconds: 5 }, answer: noContainer },
  PauseContainer: { input: container, answer: noContainer },
  ResumeContainer: { input: container, answer: noContainer },
  RemoveContainer: { input: { ...container, force: true, volumes: true }, answer: noContainer },
  ExecContainer: {
    input: {
      ...container,
      request: {
        argv: ['echo', 'hello'],
        env: ['GREETING=hello'],
        workdir: '/tmp',
        user: 'nobody',
        timeoutMs: 5000,
      },
    },
    answer: noContainer,
  },
  ListImages: { input: { engine: 'docker' }, answer: result },
  PullImage: {
    // Nothing listens on port 1: the registry cannot be reached, and nothing is pulled.
    input: { engine: 'docker', reference: 'localhost:1/nova-probe/absent:latest' },
    answer: { error: 'backend-unavailable', message: /its registry cannot be reached/ },
  },
  ImportImage: {
    input: {
      engine: 'docker',
      path: `${NOWHERE}/image.tar`,
      kind: 'archive',
      reference: 'nova-probe/absent:latest',
    },
    answer: { error: 'not-found', message: /nova-probe-absent\/image\.tar does not exist/ },
  },
  RemoveImage: {
    input: { engine: 'docker', reference: 'nova-probe/absent:latest', force: false },
    answer: { error: 'not-found', message: /docker has no image "nova-probe\/absent:latest"/ },
  },
  ListEngineNetworks: { input: { engine: 'docker' }, answer: result },
  CreateEngineNetwork: {
    // The name is taken.
    input: {
      engine: 'docker',
      spec: {
        name: PROBE_NETWORK,
        ownership: probeOwnership,
        internal: false,
        subnet: '10.197.0.0/24',
        gateway: '10.197.0.1',
        labels: { 'org.example.team': 'lab' },
      },
    },
    answer: { error: 'conflict', message: /docker has a network named "nova-probe-network" already/ },
  },
  RemoveEngineNetwork: {
    input: { engine: 'docker', name: PROBE_ABSENT, project: 'nova-probe', foreign: false },
    answer: { error: 'not-found', message: /docker has no network "nova-probe-absent"/ },
  },
  ConnectContainerNetwork: {
    input: { ...container, network: PROBE_ABSENT },
    answer: noContainer,
  },
  DisconnectContainerNetwork: {
    input: { ...container, network: PROBE_ABSENT },
    answer: noContainer,
  },
  ListEngineVolumes: { input: { engine: 'docker' }, answer: result },
  CreateEngineVolume: {
    input: {
      engine: 'docker',
      spec: { name: PROBE_VOLUME, ownership: probeOwnership, labels: { 'org.example.team': 'lab' } },
    },
    answer: { error: 'conflict', message: /docker has a volume named "nova-probe-volume" already/ },
  },
  RemoveEngineVolume: {
    input: { engine: 'docker', name: PROBE_ABSENT, project: 'nova-probe', foreign: false, force: false },
    answer: { error: 'not-found', message: /docker has no volume "nova-probe-absent"/ },
  },
  Subscribe: { input: {}, answer: result },
  Unsubscribe: { input: {}, answer: result },
};
