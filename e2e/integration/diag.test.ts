// `nova diag` against the lab: the services that run here pass, and a service that is down or hangs
// fails with a fix. Nothing shared is stopped (others test at the same time): the failing targets are
// injected through the standard variables Nova honours, pointed only for this run at sockets that do
// not exist (DOCKER_HOST, DBUS_SYSTEM_BUS_ADDRESS) or at a real unix socket whose server never answers.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DiagReport } from '@nova/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DENIED_USER, readJson, requireLab, run, runNova } from '../support/lab.js';

const KVM_HEALTH_FILE = '/var/lib/nova/kvm-unusable';

/** Whether KVM can run guests here, asked of the machine itself rather than of Nova. */
async function kvmUsableHere(): Promise<boolean> {
  if (!existsSync('/dev/kvm') || existsSync(KVM_HEALTH_FILE)) return false;
  const caps = await run('virsh', ['-c', 'qemu:///system', 'domcapabilities', '--virttype', 'kvm']);
  return caps.code === 0;
}

const dir = mkdtempSync(join(tmpdir(), 'nova-diag-'));
const ABSENT_DOCKER = `unix://${join(dir, 'absent-docker.sock')}`;
const ABSENT_BUS = `unix:path=${join(dir, 'absent-bus.sock')}`;
const HUNG_SOCKET = join(dir, 'hung-docker.sock');
let hung: Server;
const held: Socket[] = [];

beforeAll(async () => {
  requireLab();
  // A "Docker" that accepts connections and never answers: a hung daemon.
  hung = createServer((socket) => {
    held.push(socket);
  });
  await new Promise<void>((resolve) => hung.listen(HUNG_SOCKET, resolve));
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => {
    hung.close(() => {
      resolve();
    });
  });
  rmSync(dir, { recursive: true, force: true });
});

const byId = (report: DiagReport, id: string) => {
  const check = report.checks.find((c) => c.id === id);
  if (check === undefined) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return check;
};

describe('nova diag', () => {
  it('passes the checks of the services the lab runs, and exits 1 only if a check failed', async () => {
    const result = await runNova(['diag', '--json']);
    const report = readJson(result.stdout, DiagReport);
    for (const id of [
      'system-bus',
      'libvirt',
      'libvirt-dbus',
      'helper',
      'polkit',
      'engine.docker',
      'engine.podman',
      'default-network',
    ]) {
      expect(byId(report, id), id).toMatchObject({ status: 'ok' });
    }
    // Every check nova diag documents is there, each with a detail, and a fix wherever it is not ok.
    for (const id of ['kvm', 'engine.bolt', 'storage-pools', 'bridges', 'disk-space']) byId(report, id);
    for (const check of report.checks) {
      expect(check.detail, check.id).not.toBe('');
      if (check.status === 'fail' || check.status === 'warn') expect(check.fix, check.id).toBeTruthy();
    }
    // KVM as this machine has it, probed apart from Nova: usable only where /dev/kvm exists, libvirt
    // offers KVM domains and Nova has not recorded KVM failing to run a guest here.
    expect(byId(report, 'kvm').status).toBe((await kvmUsableHere()) ? 'ok' : 'warn');
    expect(result.code).toBe(report.summary.fail > 0 ? 1 : 0);
    expect(report.summary.ok + report.summary.warn + report.summary.fail + report.summary.skipped).toBe(
      report.checks.length,
    );
  });

  it('fails the engine, bus, helper and libvirt-dbus checks with a fix when their sockets do not exist', async () => {
    const result = await runNova(['diag', '--json'], {
      env: { DOCKER_HOST: ABSENT_DOCKER, DBUS_SYSTEM_BUS_ADDRESS: ABSENT_BUS },
    });
    expect(result.code).toBe(1);
    const report = readJson(result.stdout, DiagReport);
    expect(byId(report, 'engine.docker').status).toBe('fail');
    expect(byId(report, 'engine.docker').fix).toContain('DOCKER_HOST');
    expect(byId(report, 'system-bus').status).toBe('fail');
    expect(byId(report, 'system-bus').fix).toContain('dbus');
    expect(byId(report, 'libvirt-dbus').status).toBe('fail');
    expect(byId(report, 'helper').status).toBe('fail');
    // What is asked through the helper is skipped, and says why, rather than failing on its own.
    expect(byId(report, 'default-network')).toMatchObject({ status: 'skipped' });
    // Podman did not depend on either: it still passes.
    expect(byId(report, 'engine.podman').status).toBe('ok');

    const text = await runNova(['diag'], { env: { DOCKER_HOST: ABSENT_DOCKER } });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^\[FAIL\] Container engine: Docker: .*\n\s+fix: Start Docker/m);
  });

  it('warns, with a fix, when KVM failed to run a guest here, whatever this machine’s KVM can do', async () => {
    const saved = existsSync(KVM_HEALTH_FILE) ? readFileSync(KVM_HEALTH_FILE, 'utf8') : undefined;
    mkdirSync(dirname(KVM_HEALTH_FILE), { recursive: true });
    writeFileSync(
      KVM_HEALTH_FILE,
      `${new Date().toISOString()} kvm: entry failed, hardware error 0x80000021\n`,
    );
    try {
      const report = readJson((await runNova(['diag', '--json'])).stdout, DiagReport);
      const kvm = byId(report, 'kvm');
      expect(kvm.status).toBe('warn');
      expect(kvm.fix).toBeTruthy();
      // Where /dev/kvm exists the recorded failure is the reason given; without it, the missing device is.
      expect(kvm.detail).toContain(existsSync('/dev/kvm') ? 'hardware error 0x80000021' : '/dev/kvm');
    } finally {
      if (saved === undefined) rmSync(KVM_HEALTH_FILE, { force: true });
      else writeFileSync(KVM_HEALTH_FILE, saved);
    }
  });

  it('gives up on a hung engine after the timeout instead of hanging', async () => {
    const result = await runNova(['diag', '--json', '--timeout', '1'], {
      env: { DOCKER_HOST: `unix://${HUNG_SOCKET}` },
    });
    const report = readJson(result.stdout, DiagReport);
    expect(byId(report, 'engine.docker').status).toBe('fail');
    expect(byId(report, 'engine.docker').detail).toContain('no answer within 1.0 s');
    // It gave up: the run ended although the "engine" never answers (a hang would hit the test's timeout).
    expect(result.code).toBe(1);
  });

  it('as a user polkit refuses, skips what needs the helper and says how to get access', async () => {
    const result = await runNova(['diag', '--json'], { user: DENIED_USER });
    const report = readJson(result.stdout, DiagReport);
    // libvirt-dbus admits only root and group libvirt: for others it is fine that the helper calls it.
    expect(byId(report, 'libvirt-dbus').status).toBe('ok');
    expect(byId(report, 'libvirt-dbus').detail).toContain('only root and group libvirt');
    for (const id of ['default-network', 'storage-pools']) {
      expect(byId(report, id).status, id).toBe('skipped');
      expect(byId(report, id).fix, id).toContain('polkit');
    }
    // Root-owned engine sockets count: the helper relays them.
    expect(byId(report, 'engine.docker').detail).toContain('through its helper');
  });

  it('refuses a bad --timeout with exit code 2', async () => {
    const result = await runNova(['diag', '--timeout', 'soon']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout');
  });
});
