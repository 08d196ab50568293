// A VM of the NovaFile as Nova defines it: the domain spec with its disks, and the disk images Nova
// creates for it. Every file the VM uses must sit in a storage pool's folder, so resolving a VM may
// make up pools too (through poolFor). Pure.
import { dirname } from 'node:path';

import {
  CLOUD_INIT_DIR,
  cloudInitSeedPath,
  type DomainDiskSpec,
  type DomainSpec,
  isUnder,
  SYSTEM_FILE_ROOTS,
} from '../contract/specs.js';
import { chooseAccelerator } from './accelerator.js';
import { absolute, DEFAULT_DISK_DIRECTORY } from './resolve-names.js';
import type { PoolFor } from './resolve-storage.js';
import type { DesiredVm, DesiredVolume, ResolveContext, ResolveIssue } from './resolve-types.js';
import { resolveCloudInit, resolveHostdevs, resolveNics } from './resolve-vm-devices.js';
import type { NovaFileModel, VmModel } from './schema.js';
import { owned } from './spec-hash.js';

const DEFAULT_DISK_SIZE = 20 * 1024 ** 3;
const DISK_TARGETS = 'abcdefghijklmnopqrstuvwxyz';

export function resolveVm(
  project: string,
  name: string,
  vm: VmModel,
  model: NovaFileModel,
  context: ResolveContext,
  poolFor: PoolFor,
  issues: ResolveIssue[],
): { vm: DesiredVm; volumes: DesiredVolume[] } {
  const disks: DomainDiskSpec[] = [];
  const volumes: DesiredVolume[] = [];
  let virtio = 0;
  let scsi = 0;
  const target = (bus: 'virtio' | 'sata' | 'scsi') =>
    bus === 'virtio' ? `vd${DISK_TARGETS[virtio++] ?? 'z'}` : `sd${DISK_TARGETS[scsi++] ?? 'z'}`;

  // The system disk, as the original Nova made it: an existing image, else a volume Nova creates.
  const storage = vm.storage;
  if (vm.image !== undefined) {
    disks.push({
      source: { type: 'file', path: absolute(context.fileDir, vm.image) },
      format: storage?.format ?? 'qcow2',
      bus: 'virtio',
      target: target('virtio'),
      readonly: false,
      device: 'disk',
    });
  } else if (storage !== undefined || vm.boot === undefined) {
    const format = storage?.format ?? 'qcow2';
    const directory = absolute(context.fileDir, storage?.directory ?? DEFAULT_DISK_DIRECTORY);
    const pool = poolFor(directory);
    const volume = storage?.filename ?? `${name}.${format === 'raw' ? 'img' : 'qcow2'}`;
    volumes.push({
      spec: { pool, name: volume, format, capacityBytes: storage?.size ?? DEFAULT_DISK_SIZE },
      createIfMissing: storage?.create_if_missing ?? true,
      vm: name,
    });
    disks.push({
      source: { type: 'volume', pool, volume },
      format,
      bus: 'virtio',
      target: target('virtio'),
      readonly: false,
      device: 'disk',
    });
  }
  // An installer ISO: read-only on SATA (a CD-ROM cannot sit on virtio); the builder boots it first.
  if (vm.cdrom !== undefined) {
    disks.push({
      source: { type: 'file', path: absolute(context.fileDir, vm.cdrom) },
      format: 'raw',
      bus: 'sata',
      target: target('sata'),
      readonly: true,
      device: 'cdrom',
    });
  }
  vm.disk.forEach((disk, index) => {
    if (disk.path !== undefined) {
      disks.push({
        source: { type: 'file', path: absolute(context.fileDir, disk.path) },
        format: disk.format,
        bus: disk.bus,
        target: target(disk.bus),
        readonly: disk.readonly,
        device: 'disk',
      });
      return;
    }
    const pool = disk.pool ?? poolFor(DEFAULT_DISK_DIRECTORY);
    const volume = `${name}-${disk.name}.${disk.format === 'raw' ? 'img' : 'qcow2'}`;
    if (disk.size === undefined) {
      issues.push({ path: ['vm', name, 'disk', index], message: `disk "${disk.name}" needs a size` });
      return;
    }
    volumes.push({
      spec: { pool, name: volume, format: disk.format, capacityBytes: disk.size },
      createIfMissing: true,
      vm: name,
    });
    disks.push({
      source: { type: 'volume', pool, volume },
      format: disk.format,
      bus: disk.bus,
      target: target(disk.bus),
      readonly: disk.readonly,
      device: 'disk',
    });
  });

  const nics = resolveNics(name, vm, model, context, issues);
  const hostdevs = resolveHostdevs(name, vm, context, issues);
  // cloud-init: a NoCloud seed the helper writes, attached as a CD-ROM the guest finds by its label.
  const cloudInit = resolveCloudInit(name, vm, context, issues);
  if (cloudInit !== undefined) {
    disks.push({
      source: { type: 'file', path: cloudInitSeedPath(name) },
      format: 'raw',
      bus: 'sata',
      target: target('sata'),
      readonly: true,
      device: 'cdrom',
    });
  }

  const accelerator = chooseAccelerator(vm, context.kvm);
  const spec = owned<DomainSpec>({
    name,
    ownership: { project, name },
    type: accelerator.type,
    vcpus: vm.cpu,
    memoryBytes: vm.memory,
    firmware: {
      type: vm.firmware.boot_type === 'uefi' ? 'uefi' : 'bios',
      secureBoot: vm.firmware.secure_boot,
      ...(vm.firmware.ovmf_code === undefined
        ? {}
        : { loader: absolute(context.fileDir, vm.firmware.ovmf_code) }),
      ...(vm.firmware.ovmf_vars === undefined
        ? {}
        : { nvramTemplate: absolute(context.fileDir, vm.firmware.ovmf_vars) }),
    },
    ...(vm.boot === undefined
      ? {}
      : {
          kernel: {
            path: absolute(context.fileDir, vm.boot.kernel),
            ...(vm.boot.initrd === undefined ? {} : { initrd: absolute(context.fileDir, vm.boot.initrd) }),
            ...(vm.boot.cmdline === undefined ? {} : { cmdline: vm.boot.cmdline }),
          },
        }),
    disks,
    nics,
    ...(vm.tpm.enabled
      ? {
          tpm: {
            version: vm.tpm.version === 'v2-0' ? '2.0' : '1.2',
            backend: vm.tpm.backend === 'emulated' ? 'emulator' : 'passthrough',
          },
        }
      : {}),
    hostdevs,
    ...(vm.looking_glass?.enabled === true ? { lookingGlassMiB: vm.looking_glass.framebuffer_size } : {}),
    graphics: true,
    ...(cloudInit === undefined ? {} : { cloudInit }),
  });
  if (vm.memory < 16 * 1024 * 1024)
    issues.push({ path: ['vm', name, 'memory'], message: `VM "${name}" needs at least 16Mi of memory` });

  // A file a VM uses must sit in a storage pool's folder (or a system folder of firmware and kernels).
  const fileInPool = (path: string): void => {
    if (!SYSTEM_FILE_ROOTS.some((root) => isUnder(path, root))) poolFor(dirname(path), false);
  };
  for (const disk of spec.disks) {
    if (disk.source.type === 'file' && !isUnder(disk.source.path, CLOUD_INIT_DIR))
      fileInPool(disk.source.path);
  }
  for (const file of [
    spec.kernel?.path,
    spec.kernel?.initrd,
    spec.firmware.loader,
    spec.firmware.nvramTemplate,
    ...spec.hostdevs.map((h) => h.romFile),
  ]) {
    if (file !== undefined) fileInPool(file);
  }

  return {
    vm: {
      spec,
      autostart: vm.autostart,
      state: vm.state,
      ...(accelerator.note === undefined ? {} : { acceleratorNote: accelerator.note }),
    },
    volumes,
  };
}
