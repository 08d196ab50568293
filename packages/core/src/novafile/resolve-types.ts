// What resolving a NovaFile takes (what it needs of the host) and gives (the resources the file asks
// for, each as the spec Nova would create, and what of the file cannot be carried out here).
import type {
  ContainerSpec,
  DomainSpec,
  EngineNetworkSpec,
  HostBridgeSpec,
  NetworkSpec,
  PoolSpec,
  VolumeSpec,
} from '../contract/specs.js';
import type { EngineName } from '../model/instance.js';

export interface ResolveContext {
  /** Folder of the NovaFile: relative paths are relative to it. */
  fileDir: string;
  /** Whether libvirt can run KVM domains here, and why not (for accelerator = "auto"). */
  kvm: { usable: boolean; reason: string };
  /** libvirt networks and host bridges that exist, for references the file does not declare. */
  libvirtNetworks: readonly string[];
  hostBridges: readonly string[];
  /** Existing storage pools by target folder, to reuse one for a disk folder. */
  poolsByPath: ReadonlyMap<string, string>;
  /** The engine containers go to when the file does not say. */
  defaultEngine: EngineName | undefined;
  /** Contents of the files the NovaFile names for cloud-init user data, by absolute path. */
  userDataFiles?: ReadonlyMap<string, string>;
}

/** Something of the file Nova cannot carry out here, at a path of the file (for FILE:LINE:COL). */
export interface ResolveIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export interface DesiredNetwork {
  spec: NetworkSpec;
  autostart: boolean;
}
export interface DesiredBridge {
  spec: HostBridgeSpec;
}
export interface DesiredPool {
  spec: PoolSpec;
  /** Nova made this pool up for a disk folder the file names without declaring a pool. */
  implicit: boolean;
}
export interface DesiredVolume {
  spec: VolumeSpec;
  /** Create it if missing; never delete an existing one. */
  createIfMissing: boolean;
  vm: string;
}
export interface DesiredVm {
  spec: DomainSpec;
  autostart: boolean;
  state: 'running' | 'stopped';
  /** Why the accelerator is what it is, when auto chose. */
  acceleratorNote?: string;
}
export interface DesiredContainer {
  spec: ContainerSpec;
  engine: EngineName | undefined;
  state: 'running' | 'stopped';
}
export interface DesiredEngineNetwork {
  spec: EngineNetworkSpec;
  engine: EngineName | undefined;
}

export interface DesiredState {
  project: string;
  bridges: DesiredBridge[];
  networks: DesiredNetwork[];
  pools: DesiredPool[];
  volumes: DesiredVolume[];
  vms: DesiredVm[];
  containers: DesiredContainer[];
  engineNetworks: DesiredEngineNetwork[];
  issues: ResolveIssue[];
  warnings: string[];
}
