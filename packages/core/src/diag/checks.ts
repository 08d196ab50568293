// The checks of `nova diag`, against the real system: /dev/kvm and /proc, the system bus, the helper,
// polkit's action files, the engines' sockets, `ip link`, and the file systems Nova writes to.
import { constants } from 'node:fs';
import { access, readFile, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname } from 'node:path';

import { DBusError } from 'dbus-next';

import { chooseEndpoints } from '../containers/engine-discovery.js';
import type { EngineProbe } from '../containers/engines.js';
import { toErrorData } from '../contract/errors.js';
import type { HelperCall } from '../contract/helper/index.js';
import { HELPER_BUS_NAME, type HelperStatus, POLKIT_ACTIONS } from '../contract/helper/index.js';
import { BoundedCaller } from '../dbus/bounded-caller.js';
import { connectSystemBus } from '../dbus/system-bus.js';
import { listHostLinks } from '../host/ip-link.js';
import { LIBVIRT_BUS_NAME, LIBVIRT_QEMU_PATH } from '../libvirt/libvirt-bus.js';
import type { EngineName } from '../model/instance.js';
import { NOVA_VERSION } from '../version.js';
import type { DiagCheck, DiagOutcome } from './diag.js';

export const POLKIT_POLICY_FILE = '/usr/share/polkit-1/actions/dev.nova.policy';
export const KVM_HEALTH_FILE = '/var/lib/nova/kvm-unusable';
const POLKIT_BUS_NAME = 'org.freedesktop.PolicyKit1';
const GIB = 1024 ** 3;
/** Below this much free space (or this share of the file system) disk space is a warning; a tenth of it fails. */
export const DISK_WARN_BYTES = 5 * GIB;
export const DISK_WARN_RATIO = 0.05;
export const DISK_FAIL_BYTES = 512 * 1024 ** 2;

export interface DiagDeps {
  helper: HelperCall;
  probeEngines: () => Promise<EngineProbe[]>;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  polkitPolicyFile?: string;
  kvmHealthFile?: string;
  /** The places whose free space is checked; default /var/lib/libvirt, /var/lib/nova and the home folder. */
  diskPaths?: string[];
}

const reasonOf = (err: unknown): string => toErrorData(err).message;

/** Shares one run of `task` between every check that needs it. */
function once<T>(task: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= task());
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: string; refused: boolean };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({
      ok: false as const,
      error: reasonOf(err),
      refused: toErrorData(err).code === 'not-authorized',
    }),
  );

interface BusFacts {
  owned: Set<string>;
  activatable: Set<string>;
  /** What a Ping of libvirt-dbus answered: undefined when it answered, else the error. */
  libvirtPing: { name: string; message: string } | undefined;
}

/** Which of the names Nova needs have an owner, and which the bus can start, on the system bus. */
async function readBusFacts(): Promise<BusFacts> {
  const bus = await connectSystemBus(3000);
  try {
    const caller = new BoundedCaller(bus);
    const ask = async (member: string): Promise<Set<string>> => {
      const [names] = await caller.call({
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member,
        timeoutMs: 3000,
      });
      return new Set(Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []);
    };
    // A Ping starts libvirt-dbus if needed and proves it answers (its bus policy admits root and
    // group libvirt only; others learn that they may not call it, which is fine: the helper does).
    const ping = caller
      .call({
        destination: LIBVIRT_BUS_NAME,
        path: LIBVIRT_QEMU_PATH,
        interface: 'org.freedesktop.DBus.Peer',
        member: 'Ping',
        timeoutMs: 5000,
      })
      .then(
        () => undefined,
        (err: unknown) => ({
          name: err instanceof DBusError ? err.type : err instanceof Error ? err.name : 'Error',
          message: err instanceof DBusError ? err.text : reasonOf(err),
        }),
      );
    const [owned, activatable, libvirtPing] = await Promise.all([
      ask('ListNames'),
      ask('ListActivatableNames'),
      ping,
    ]);
    return { owned, activatable, libvirtPing };
  } finally {
    bus.disconnect();
  }
}

/** The nearest folder that exists at or above `path`. */
async function existingAncestor(path: string): Promise<string> {
  let current = path;
  for (;;) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

/** Every check of `nova diag`, in the order it prints them. */
export function diagChecks(deps: DiagDeps): DiagCheck[] {
  const env = deps.env ?? process.env;
  const uid = deps.uid ?? process.getuid?.() ?? 0;
  const helperStatus = once(() => settle(deps.helper('GetStatus', {})));
  const busFacts = once(() => settle(readBusFacts()));
  const probes = once(() => deps.probeEngines());
  const helperDown = ({ error, refused }: { error: string; refused: boolean }): DiagOutcome =>
    refused
      ? {
          status: 'skipped',
          detail: `not checked: polkit does not let this user ask the helper (${error})`,
          fix: 'Run nova diag as a user at the machine (an active session), as root, or with a polkit rule that grants the dev.nova.*.read actions.',
        }
      : {
          status: 'skipped',
          detail: `not checked: Nova asks this through its helper, which did not answer (${error})`,
          fix: 'Fix the "Nova helper" check first.',
        };

  const checks: DiagCheck[] = [
    {
      id: 'system-bus',
      title: 'System D-Bus',
      run: async () => {
        const facts = await busFacts();
        if (facts.ok) return { status: 'ok', detail: `answers (${facts.value.owned.size} names)` };
        return {
          status: 'fail',
          detail: facts.error,
          fix: 'Start the system bus: systemctl start dbus (or dbus-daemon --system --fork; in a checkout, npm run lab -- up).',
        };
      },
    },
    {
      id: 'kvm',
      title: 'KVM',
      timeoutMs: 15_000,
      run: () => kvmCheck(deps.kvmHealthFile ?? KVM_HEALTH_FILE, uid, helperStatus),
    },
    {
      id: 'libvirt',
      title: 'libvirt (qemu:///system)',
      timeoutMs: 15_000,
      run: async () => {
        const status = await helperStatus();
        if (!status.ok) {
          const socket = await access('/run/libvirt/libvirt-sock').then(
            () => 'its socket /run/libvirt/libvirt-sock exists',
            () => 'its socket /run/libvirt/libvirt-sock is missing',
          );
          return { ...helperDown(status), detail: `${helperDown(status).detail}; ${socket}` };
        }
        const { libvirt } = status.value;
        if (libvirt.status === 'ok')
          return {
            status: 'ok',
            detail: `${libvirt.detail}${libvirt.version === undefined ? '' : `; libvirt ${libvirt.version}`}`,
          };
        return {
          status: 'fail',
          detail: libvirt.detail,
          fix: 'Start libvirtd (systemctl start libvirtd, or libvirtd -d) and check that qemu:///system answers: virsh -c qemu:///system uri.',
        };
      },
    },
    {
      id: 'libvirt-dbus',
      title: 'libvirt-dbus (org.libvirt)',
      run: async () => {
        const facts = await busFacts();
        if (!facts.ok)
          return {
            status: 'fail',
            detail: `the system bus does not answer: ${facts.error}`,
            fix: 'Fix the "System D-Bus" check first.',
          };
        const { libvirtPing } = facts.value;
        if (libvirtPing === undefined)
          return {
            status: 'ok',
            detail: `${LIBVIRT_BUS_NAME} answers on the system bus (${LIBVIRT_QEMU_PATH})`,
          };
        if (libvirtPing.name === 'org.freedesktop.DBus.Error.AccessDenied')
          return {
            status: 'ok',
            detail: `${LIBVIRT_BUS_NAME} is installed; only root and group libvirt may call it, so Nova reaches it through its helper`,
          };
        if (facts.value.owned.has(LIBVIRT_BUS_NAME) || facts.value.activatable.has(LIBVIRT_BUS_NAME))
          return {
            status: 'fail',
            detail: `${LIBVIRT_BUS_NAME} is installed but did not answer: ${libvirtPing.message}`,
            fix: 'Check that libvirtd runs (libvirt-dbus needs it), and see the bus’s log for why libvirt-dbus failed to start.',
          };
        return {
          status: 'fail',
          detail: `${LIBVIRT_BUS_NAME} is neither running nor installed on the system bus`,
          fix: 'Install libvirt-dbus (apt install libvirt-dbus / dnf install libvirt-dbus), then reload the bus: dbus-send --system --dest=org.freedesktop.DBus / org.freedesktop.DBus.ReloadConfig.',
        };
      },
    },
    {
      id: 'helper',
      title: 'Nova helper (dev.nova.Helper1)',
      timeoutMs: 15_000,
      run: async () => {
        const [facts, status] = await Promise.all([busFacts(), helperStatus()]);
        const installed =
          facts.ok &&
          (facts.value.owned.has(HELPER_BUS_NAME) || facts.value.activatable.has(HELPER_BUS_NAME));
        if (status.ok) {
          const version = status.value.helperVersion;
          if (version !== NOVA_VERSION)
            return {
              status: 'warn',
              detail: `answers, but it is version ${version} and this Nova is ${NOVA_VERSION}`,
              fix: 'Install the same version of Nova’s package (the helper comes with it).',
            };
          return { status: 'ok', detail: `answers on the system bus (version ${version})` };
        }
        if (facts.ok && !installed)
          return {
            status: 'fail',
            detail: `${HELPER_BUS_NAME} is not installed on the system bus`,
            fix: 'Install Nova’s package; from a checkout: npm run build && npm run lab -- install-helper (as root).',
          };
        return {
          status: 'fail',
          detail: status.error,
          fix: facts.ok
            ? 'The helper is installed but did not answer: see its errors (journalctl -u nova-helper, or the bus’s log) and reinstall Nova’s package.'
            : 'Fix the "System D-Bus" check first.',
        };
      },
    },
    {
      id: 'polkit',
      title: 'polkit actions',
      run: () => polkitCheck(deps.polkitPolicyFile ?? POLKIT_POLICY_FILE, busFacts),
    },
    ...(['bolt', 'docker', 'podman'] as const).map((engine): DiagCheck => ({
      id: `engine.${engine}`,
      title: `Container engine: ${engine === 'bolt' ? 'Bolt' : engine === 'docker' ? 'Docker' : 'Podman'}`,
      run: async () => engineCheck(engine, await probes(), env, helperStatus),
    })),
    {
      id: 'default-network',
      title: 'libvirt default network',
      timeoutMs: 15_000,
      run: async () => {
        const listed = await settle(deps.helper('ListNetworks', {}));
        if (!listed.ok) return helperDown(listed);
        const network = listed.value.networks.find((candidate) => candidate.name === 'default');
        if (network === undefined)
          return {
            status: 'warn',
            detail: 'libvirt has no network named "default" (VMs that use it will not start)',
            fix: 'Define it again: virsh net-define /usr/share/libvirt/networks/default.xml && virsh net-start default && virsh net-autostart default.',
          };
        if (!network.active)
          return {
            status: 'fail',
            detail: `"default" exists but is not running${network.bridge === undefined ? '' : ` (bridge ${network.bridge})`}`,
            fix: 'Start it: virsh -c qemu:///system net-start default (and net-autostart default to keep it).',
          };
        const where = `${network.bridge ?? 'no bridge'}${network.address === undefined ? '' : `, ${network.address}/${network.prefix ?? '?'}`}`;
        if (!network.autostart)
          return {
            status: 'warn',
            detail: `running (${where}) but not started with the host`,
            fix: 'virsh -c qemu:///system net-autostart default',
          };
        return { status: 'ok', detail: `running (${where}), starts with the host` };
      },
    },
    {
      id: 'storage-pools',
      title: 'Storage pools',
      timeoutMs: 15_000,
      run: async () => {
        const listed = await settle(deps.helper('ListStorage', {}));
        if (!listed.ok) return helperDown(listed);
        const { pools } = listed.value;
        if (pools.length === 0)
          return {
            status: 'ok',
            detail: 'no storage pools yet (Nova makes one the first time a VM needs a disk)',
          };
        const problems: string[] = [];
        const fixes: string[] = [];
        for (const pool of pools) {
          if (!pool.active) {
            problems.push(`${pool.name} is not running`);
            fixes.push(`virsh -c qemu:///system pool-start ${pool.name}`);
            continue;
          }
          try {
            // Only root can tell whether libvirt (as root) may write there; others see whether it exists.
            await access(pool.path, uid === 0 ? constants.W_OK : constants.F_OK);
          } catch (err) {
            problems.push(
              `${pool.name}: ${pool.path} is ${uid === 0 ? 'not writable' : 'missing'} (${reasonOf(err)})`,
            );
            fixes.push(`check ${pool.path} (it must exist and be writable by root; mount it read-write)`);
          }
        }
        if (problems.length > 0)
          return { status: 'fail', detail: problems.join('; '), fix: fixes.join('; ') };
        return {
          status: 'ok',
          detail: `${pools.length} pool${pools.length === 1 ? '' : 's'} running${uid === 0 ? ' and writable' : ''}: ${pools.map((p) => p.name).join(', ')}`,
        };
      },
    },
    {
      id: 'bridges',
      title: 'Bridges',
      run: () => bridgesCheck(deps.helper),
    },
    {
      id: 'disk-space',
      title: 'Disk space',
      run: () => diskCheck(deps.diskPaths ?? ['/var/lib/libvirt', '/var/lib/nova', homedir()]),
    },
  ];
  return checks;
}

async function kvmCheck(
  healthFile: string,
  uid: number,
  helperStatus: () => Promise<Settled<HelperStatus>>,
): Promise<DiagOutcome> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? []);
  const cpuVirt = flags.has('vmx') ? 'Intel VT-x' : flags.has('svm') ? 'AMD-V' : undefined;
  const nested = flags.has('hypervisor');
  const device = await access('/dev/kvm', constants.F_OK).then(
    () => true,
    () => false,
  );
  const fallback = 'VMs still run, under TCG emulation, much slower.';
  if (!device) {
    if (cpuVirt === undefined)
      return {
        status: 'warn',
        detail: `no /dev/kvm and the CPU offers no virtualization extensions${nested ? ' (this is itself a VM: nested virtualization is off)' : ''}. ${fallback}`,
        fix: nested
          ? 'Turn on nested virtualization on the outer host (e.g. kvm_intel nested=1, or the VM’s "expose virtualization" option).'
          : 'Turn on VT-x/AMD-V in the firmware (BIOS/UEFI) settings.',
      };
    return {
      status: 'warn',
      detail: `the CPU offers ${cpuVirt} but there is no /dev/kvm: the kvm module is not loaded. ${fallback}`,
      fix: `Load it: modprobe ${cpuVirt.startsWith('Intel') ? 'kvm_intel' : 'kvm_amd'}.`,
    };
  }
  const usable = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  const recorded = (await readFile(healthFile, 'utf8').catch(() => '')).trim().split('\n')[0] ?? '';
  if (recorded !== '')
    return {
      status: 'warn',
      detail: `/dev/kvm exists, but KVM failed to run a VM here${nested ? ' (nested virtualization: this host is itself a VM)' : ''}: ${recorded}. Nova picks TCG for accelerator = "auto". ${fallback}`,
      fix: `Enable full nested virtualization on the outer host, or run on bare metal; once fixed, delete ${healthFile} so that Nova tries KVM again.`,
    };
  const status = await helperStatus();
  if (status.ok && status.value.kvm.status !== 'ok')
    return {
      status: 'warn',
      detail: `libvirt cannot use KVM: ${status.value.kvm.detail}. ${fallback}`,
      fix: 'Check that libvirt’s qemu user may open /dev/kvm (group kvm, mode 0660): chgrp kvm /dev/kvm && chmod 660 /dev/kvm.',
    };
  const how = status.ok ? `; libvirt: ${status.value.kvm.detail}` : '';
  if (!usable && uid !== 0)
    return {
      status: 'ok',
      detail: `/dev/kvm exists (this user may not open it, which is fine: libvirt runs the VMs)${nested ? '; nested virtualization' : ''}${how}`,
    };
  return {
    status: 'ok',
    detail: `/dev/kvm is usable${cpuVirt === undefined ? '' : ` (${cpuVirt})`}${nested ? '; this host is itself a VM (nested)' : ''}${how}`,
  };
}

async function polkitCheck(file: string, busFacts: () => Promise<Settled<BusFacts>>): Promise<DiagOutcome> {
  let policy: string;
  try {
    policy = await readFile(file, 'utf8');
  } catch (err) {
    return {
      status: 'fail',
      detail: `${file} cannot be read: ${reasonOf(err)}`,
      fix: 'Install Nova’s package (it ships the policy); from a checkout: npm run lab -- install-helper (as root).',
    };
  }
  const installed = new Set([...policy.matchAll(/<action\s+id="([^"]+)"/g)].map((match) => match[1] ?? ''));
  const expected = Object.keys(POLKIT_ACTIONS);
  const missing = expected.filter((id) => !installed.has(id));
  const facts = await busFacts();
  const polkitRunning = facts.ok && facts.value.owned.has(POLKIT_BUS_NAME);
  if (missing.length > 0)
    return {
      status: 'fail',
      detail: `${file} lacks ${missing.length} of the ${expected.length} actions this Nova uses: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      fix: 'The installed policy is older than this Nova: reinstall Nova’s package (or npm run lab -- install-helper).',
    };
  if (facts.ok && !polkitRunning && !facts.value.activatable.has(POLKIT_BUS_NAME))
    return {
      status: 'fail',
      detail: `all ${expected.length} actions are installed, but polkitd (${POLKIT_BUS_NAME}) is not on the system bus: every helper call will be refused`,
      fix: 'Start polkit: systemctl start polkit (or /usr/lib/polkit-1/polkitd --no-debug &).',
    };
  const extra = [...installed].filter((id) => !(id in POLKIT_ACTIONS));
  if (extra.length > 0)
    return {
      status: 'warn',
      detail: `all ${expected.length} actions are installed; ${extra.length} more are not used by this Nova (${extra.slice(0, 3).join(', ')})`,
      fix: 'The installed policy is newer than this Nova: update Nova so that both match.',
    };
  return {
    status: 'ok',
    detail: `all ${expected.length} actions are installed in ${file}${polkitRunning ? '; polkitd is running' : ''}`,
  };
}

async function engineCheck(
  engine: EngineName,
  probes: EngineProbe[],
  env: NodeJS.ProcessEnv,
  helperStatus: () => Promise<Settled<HelperStatus>>,
): Promise<DiagOutcome> {
  const probe = chooseEndpoints(probes.filter((p) => p.endpoint.engine === engine)).get(engine);
  const configured =
    engine === 'bolt' ? env['NOVA_BOLT_HOST'] : engine === 'docker' ? env['DOCKER_HOST'] : undefined;
  const startFix =
    engine === 'docker'
      ? 'Start Docker: systemctl start docker (or dockerd &).'
      : engine === 'podman'
        ? 'Start Podman’s API: systemctl start podman.socket (rootless: systemctl --user start podman.socket).'
        : 'Start Bolt, or set NOVA_BOLT_HOST to where it listens.';
  if (probe === undefined) return { status: 'skipped', detail: 'no place to look for it' };
  const where = probe.endpoint.label;
  switch (probe.status) {
    case 'ok':
      return {
        status: 'ok',
        detail: `${probe.version === undefined ? 'answers' : `version ${probe.version}`} at ${where}`,
      };
    case 'needs-helper': {
      const status = await helperStatus();
      return status.ok
        ? { status: 'ok', detail: `${where} is root-owned; Nova reaches it through its helper` }
        : {
            status: 'fail',
            detail: `${where} is root-owned and the helper, which would relay it, did not answer`,
            fix: 'Fix the "Nova helper" check, or add this user to the engine’s group.',
          };
    }
    case 'absent':
      if (configured !== undefined)
        return {
          status: 'fail',
          detail: `${configured} (set in ${engine === 'bolt' ? 'NOVA_BOLT_HOST' : 'DOCKER_HOST'}) does not exist: ${probe.detail}`,
          fix: `${startFix} Or unset ${engine === 'bolt' ? 'NOVA_BOLT_HOST' : 'DOCKER_HOST'} to use the default place.`,
        };
      return {
        status: 'skipped',
        detail: `not installed or not running here (${probe.detail}); Nova works without it`,
        fix: startFix,
      };
    case 'unavailable':
      return { status: 'fail', detail: probe.detail, fix: startFix };
  }
}

async function bridgesCheck(helper: HelperCall): Promise<DiagOutcome> {
  const [links, records] = await Promise.all([listHostLinks(), settle(helper('ListHostBridges', {}))]);
  const bridges = links.filter((link) => link.kind === 'bridge');
  if (bridges.length === 0) return { status: 'ok', detail: 'no bridges on this host' };
  const byName = new Map(links.map((link) => [link.name, link]));
  const summaries = records.ok ? new Map(records.value.bridges.map((b) => [b.name, b])) : new Map();
  const failures: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  for (const bridge of bridges) {
    const summary = summaries.get(bridge.name) as { origin?: string; uplink?: string } | undefined;
    const members = links.filter((link) => link.master === bridge.name);
    const isNova = summary?.origin === 'nova';
    if (!bridge.flags.includes('UP')) {
      (isNova ? failures : warnings).push(`${bridge.name} is down`);
      fixes.push(`ip link set ${bridge.name} up`);
      continue;
    }
    const uplink = summary?.uplink;
    if (uplink !== undefined) {
      const port = byName.get(uplink);
      if (port?.master !== bridge.name) {
        failures.push(
          `${bridge.name}: its uplink ${uplink} is ${port === undefined ? 'gone' : 'no longer a member'}`,
        );
        fixes.push(`nova network bridge attach ${bridge.name} ${uplink} (or recreate the bridge)`);
      } else if (port.state !== 'UP') {
        failures.push(`${bridge.name}: its uplink ${uplink} has no carrier (${port.state})`);
        fixes.push(`check ${uplink}'s cable or link (ip link set ${uplink} up)`);
      }
      continue;
    }
    // A bridge with members none of which has carrier passes no traffic; one without members is idle.
    if (members.length > 0 && bridge.state === 'DOWN' && members.every((m) => m.state !== 'UP')) {
      warnings.push(`${bridge.name}: none of its ${members.length} members has carrier`);
      fixes.push(`check the interfaces on ${bridge.name} (ip link show master ${bridge.name})`);
    }
  }
  const note = records.ok ? '' : ` (origins and uplinks not known: ${records.error})`;
  if (failures.length > 0)
    return { status: 'fail', detail: [...failures, ...warnings].join('; ') + note, fix: fixes.join('; ') };
  if (warnings.length > 0)
    return { status: 'warn', detail: warnings.join('; ') + note, fix: fixes.join('; ') };
  return {
    status: 'ok',
    detail: `${bridges.length} bridge${bridges.length === 1 ? '' : 's'} healthy: ${bridges.map((b) => b.name).join(', ')}${note}`,
  };
}

async function diskCheck(paths: string[]): Promise<DiagOutcome> {
  const seen = new Map<string, string>();
  const lines: string[] = [];
  let worst: DiagOutcome['status'] = 'ok';
  const fixes: string[] = [];
  for (const path of paths) {
    const existing = await existingAncestor(path);
    const fs = await statfs(existing);
    const free = fs.bavail * fs.bsize;
    const total = fs.blocks * fs.bsize;
    // One line per file system: paths on the same one share its free space.
    const key = `${fs.type}:${total}:${fs.files}`;
    const same = seen.get(key);
    if (same !== undefined) {
      lines.push(`${path}: same file system as ${same}`);
      continue;
    }
    seen.set(key, path);
    const share = total > 0 ? free / total : 1;
    lines.push(`${path}: ${gib(free)} free of ${gib(total)} (${Math.round(share * 100)} %)`);
    if (free < DISK_FAIL_BYTES) {
      worst = 'fail';
      fixes.push(`free space on ${path}`);
    } else if (free < DISK_WARN_BYTES || share < DISK_WARN_RATIO) {
      if (worst === 'ok') worst = 'warn';
      fixes.push(`free space on ${path}`);
    }
  }
  return {
    status: worst,
    detail: lines.join('; '),
    ...(fixes.length === 0
      ? {}
      : {
          fix: `${fixes.join(', ')}: delete unused disk images (nova storage), images (docker/podman image prune) or snapshots.`,
        }),
  };
}
