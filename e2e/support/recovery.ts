// The recovery tests' harness (e2e/integration/recovery-*.test.ts). A real window (browser mode, Debian's
// Chromium on the overview) and `nova metrics serve` run while one process Nova depends on is killed
// with SIGKILL. The test then holds Nova to its promises: the window and the exporter stay up and say
// which backend is unavailable within 5 s; what changed behind Nova's back shows within 10 s of the
// service being back, without a reload; nothing Nova keeps is lost or torn.
//
// This file is the scenario; what is killed and how it is held down and given back is in
// recovery-backends.ts, the window, the exporter and what they are checked for in recovery-rig.ts.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  defineDomain,
  emptyDomainXml,
  removeContainer,
  removeDomain,
  runNova,
  startContainer,
} from './lab.js';
import { alive, type Backend, holdActivation, waitUntil } from './recovery-backends.js';
import {
  expectKept,
  expectStillUp,
  type Rig,
  waitForMetric,
  waitForRow,
  waitForSource,
} from './recovery-rig.js';

export { BACKENDS } from './recovery-backends.js';
export { type Rig, scrape, startRig, stopRig } from './recovery-rig.js';

/** The product's promise: a backend that fails is named everywhere within this long. */
export const DOWN_WITHIN_MS = 5000;
/** The product's promise: what changed while a backend was down shows this long after it is back. */
export const BACK_WITHIN_MS = 10_000;

const LIBVIRT_CONFIG_DIR = '/etc/libvirt/qemu';

// ── the scenario ──

export interface Outcome {
  /** From the kill to each sign of it. */
  downMs: { window: number; exporter: number };
  /** From the service being back to each sign of it. */
  backMs: { window: number; exporter: number };
  /** What `nova list` said while it was down. */
  list: { code: number; stderr: string };
}

/**
 * Kills the backend's process(es) with SIGKILL while the window and the exporter run, holds it down
 * if the bus would start it again, makes a change behind Nova's back, gives the service back, and
 * checks each promise. Throws on the first broken one; every service is given back whatever happens.
 */
export async function killAndRecover(
  rig: Rig,
  backend: Backend,
  options: { whileDown?: () => Promise<void> } = {},
): Promise<Outcome> {
  const { page } = rig;
  const made = `nova-test-${rig.tag}-${backend.change === 'container-after-back' ? 'ct' : 'vm'}`;
  const alsoMade = `${made}-after`;
  if (backend.change === 'container-after-back') {
    const engine = backend.source === 'podman' ? 'podman' : 'docker';
    rig.cleanups.push(() => removeContainer(made, engine));
  } else {
    rig.cleanups.push(
      () => removeDomain(made),
      () => removeDomain(alsoMade),
    );
    rig.cleanups.push(async () => {
      rmSync(join(LIBVIRT_CONFIG_DIR, `${made}.xml`), { force: true });
      await Promise.resolve();
    });
  }

  // Before: the source is reachable and followed, the exporter says it is up.
  await waitForSource(page, backend.source, 'live', 60_000);
  await waitForMetric(rig, backend.metric, 1, 60_000);
  const marker = Math.random();
  await page.evaluate((value) => {
    (window as unknown as { novaRecoveryMark?: number }).novaRecoveryMark = value;
  }, marker);
  const pids = await backend.pids();
  if (pids.length === 0) throw new Error(`no ${backend.label} process to kill`);

  let outcome: Omit<Outcome, 'backMs'>;
  let backAt: number;
  try {
    if (backend.activation !== undefined)
      await holdActivation(backend.activation.file, backend.activation.busName);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await waitUntil(`${backend.label} (pid ${pids.join(', ')}) gone after SIGKILL`, 10_000, () =>
      pids.every((pid) => !alive(pid)),
    );

    // Down: the window and the exporter say so within 5 s of the kill; `nova list` says so too.
    const since = (at: number) => Date.now() - at;
    const [window, exporter, list] = await Promise.all([
      waitForSource(
        page,
        backend.source,
        { unavailable: backend.names },
        killedAt + DOWN_WITHIN_MS - Date.now(),
      ).then(() => since(killedAt)),
      waitForMetric(rig, backend.metric, 0, killedAt + DOWN_WITHIN_MS - Date.now()).then(() =>
        since(killedAt),
      ),
      runNova(['list']),
    ]);
    outcome = { downMs: { window, exporter }, list: { code: list.code, stderr: list.stderr } };
    if (list.code !== 4) throw new Error(`nova list exited ${String(list.code)}, not 4: ${list.stderr}`);
    if (!backend.names.test(list.stderr))
      throw new Error(`nova list did not name ${backend.label}: ${list.stderr}`);
    await expectStillUp(rig, marker);
    await options.whileDown?.();

    // Behind Nova's back, while it is down.
    if (backend.change === 'vm-while-down') await defineDomain(emptyDomainXml(made));
    if (backend.change === 'vm-file-while-down') {
      // What an administrator restoring a backup does: libvirtd loads the file when it starts.
      mkdirSync(LIBVIRT_CONFIG_DIR, { recursive: true });
      writeFileSync(join(LIBVIRT_CONFIG_DIR, `${made}.xml`), emptyDomainXml(made), { mode: 0o600 });
    }
  } finally {
    await backend.restore();
    backAt = Date.now();
  }

  // Back: right after it is, the engine runs a new container, libvirtd a VM defined with virsh.
  if (backend.change === 'container-after-back')
    await startContainer(made, backend.source === 'podman' ? 'podman' : 'docker');
  if (backend.change === 'vm-file-while-down') await defineDomain(emptyDomainXml(alsoMade));
  const remaining = () => backAt + BACK_WITHIN_MS - Date.now();
  const [windowBack, exporterBack] = await Promise.all([
    (async () => {
      await waitForRow(page, made, remaining());
      if (backend.change === 'vm-file-while-down') await waitForRow(page, alsoMade, remaining());
      await waitForSource(page, backend.source, 'live', remaining());
      return Date.now() - backAt;
    })(),
    waitForMetric(rig, backend.metric, 1, remaining()).then(() => Date.now() - backAt),
  ]);
  await expectStillUp(rig, marker);
  await expectKept(rig);
  const result = { ...outcome, backMs: { window: windowBack, exporter: exporterBack } };
  console.log(
    `recovery: ${backend.label} killed: shown down after ${String(result.downMs.window)} ms (window), ${String(result.downMs.exporter)} ms (exporter); back after ${String(result.backMs.window)} ms (window), ${String(result.backMs.exporter)} ms (exporter)`,
  );
  return result;
}
