// Hostile input in every field of every method, sent as root (so that polkit lets it through to the
// checks). A value the contract refuses must come back as InvalidInput naming its field; a value it
// accepts (free text that merely holds shell or XML characters) must change nothing about the answer,
// and where it lands somewhere (domain XML, a snapshot, a container) it must come back exactly as sent.
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  HELPER_BUS_NAME,
  HELPER_ERROR_NAMES,
  HELPER_INTERFACE,
  HELPER_OBJECT_PATH,
  type HelperInput,
  type HelperMethodName,
  helperMethods,
  type HelperOutput,
  isChangingMethod,
} from '@nova/core';
import { BoundedCaller, connectSystemBus, mapBounded } from '@nova/core/node';
import { DBusError, type MessageBus } from 'dbus-next';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HELPER_PROBES, makeProbeFixtures, removeProbeFixtures } from '../support/helper-examples.js';
import { mustRun, requireLab, run, TEST_IMAGE, uniqueName, virsh } from '../support/lab.js';

const INVALID = HELPER_ERROR_NAMES['invalid-input'];
const METHODS = Object.keys(helperMethods) as HelperMethodName[];
/** A file that a command reaching a shell would create. */
const MARKER = `/tmp/nova-hostile-${String(process.pid)}`;

/** What hostile callers put in a string: markup, shell, paths, controls, broken Unicode, sheer size. */
const HOSTILE = [
  "a'b",
  'a"b',
  '<domain/>',
  '</description><nova-injected/>',
  ']]>',
  '<!ENTITY xxe SYSTEM "file:///etc/shadow">&xxe;',
  'a&b',
  '../../etc/passwd',
  '/var/lib/../../etc/shadow',
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  'a;rm -rf /',
  'a|b',
  'a b',
  '-rf',
  '',
  'a\nb',
  'a\rb',
  '\u0001\u001b[2J',
  'naïve\u0000',
  'a\uD800b',
  'x'.repeat(100_000),
];
/** Values of the wrong JSON type, for every field whatever its type. */
const WRONG_TYPES: Json[] = ['x', 42, true, null, { x: 1 }, ['x']];
/** Keys under which the caller names the entries (a record): the keys are hostile input too. */
const RECORDS = new Set(['env', 'labels']);
/**
 * The fields of changing methods that take free text: hostile-looking text is legitimate there (it is
 * escaped or passed as argv) and the method must answer as if the text were plain. Any other field must
 * refuse every hostile value; this list is asserted both ways.
 */
const FREE_TEXT = new Set([
  'DefineDomain spec.kernel.cmdline',
  'DefineDomain spec.cloudInit.userData',
  'CreateSnapshot description',
  'CreateContainer spec.command.*',
  'CreateContainer spec.env.GREETING',
  'CreateContainer spec.labels."org.example.team"',
  'ExecContainer request.argv.*',
  'CreateEngineNetwork spec.labels."org.example.team"',
  'CreateEngineVolume spec.labels."org.example.team"',
]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** A path as the helper's errors name it (describeZodError): odd keys quoted. */
function fieldName(path: Path): string {
  return path
    .map((segment) =>
      typeof segment === 'number' || /^[A-Za-z0-9_-]{1,64}$/.test(segment)
        ? String(segment)
        : JSON.stringify(segment.length > 64 ? `${segment.slice(0, 64)}…` : segment),
    )
    .join('.');
}

const kind = (value: Json) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Every value inside a request (not the request itself), with its path. */
function nodes(value: Json, path: Path = []): { path: Path; value: Json }[] {
  const here = path.length === 0 ? [] : [{ path, value }];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => nodes(item, [...path, i]))];
  if (value !== null && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([key, item]) => nodes(item, [...path, key]))];
  return here;
}

/** A copy of `root` with the value at `path` replaced (or, with `renameTo`, its key renamed). */
function changed(root: Json, path: Path, replacement: Json, renameTo?: string): Json {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(root))
    return root.map((item, i) => (i === head ? changed(item, rest, replacement) : item));
  if (root === null || typeof root !== 'object') return root;
  return Object.fromEntries(
    Object.entries(root).map(([key, item]) =>
      key === head
        ? [
            rest.length === 0 && renameTo !== undefined ? renameTo : key,
            rest.length === 0 && renameTo !== undefined ? item : changed(item, rest, replacement, renameTo),
          ]
        : [key, item],
    ),
  );
}

interface Variant {
  method: HelperMethodName;
  /** What was changed: the field's path, and whether its value, its type or (a record's) key. */
  field: Path;
  how: 'value' | 'type' | 'key';
  input: Json;
}

function variantsOf(method: HelperMethodName): Variant[] {
  const probe = HELPER_PROBES[method].input as Json;
  const out: Variant[] = [];
  for (const { path, value } of nodes(probe)) {
    if (typeof value === 'string')
      for (const hostile of HOSTILE)
        out.push({ method, field: path, how: 'value', input: changed(probe, path, hostile) });
    for (const wrong of WRONG_TYPES)
      if (kind(wrong) !== kind(value))
        out.push({ method, field: path, how: 'type', input: changed(probe, path, wrong) });
    const parent = path.at(-2);
    const key = path.at(-1);
    if (typeof parent === 'string' && RECORDS.has(parent) && typeof key === 'string')
      for (const hostile of HOSTILE)
        out.push({
          method,
          field: path.slice(0, -1),
          how: 'key',
          input: changed(probe, path, null, hostile),
        });
  }
  return out;
}

type Answer = { ok: true; json: string } | { ok: false; name: string; message: string };

/** A file in a folder every VM may use (QEMU's firmware, which the lab installs), by its real path. */
function systemFile(): string {
  const folder = '/usr/share/qemu';
  const file = readdirSync(folder)
    .map((name) => join(folder, name))
    .find((path) => statSync(path).isFile() && realpathSync(path).startsWith(`${folder}/`));
  if (file === undefined) throw new Error(`${folder} holds no firmware file: is qemu-system-x86 installed?`);
  return file;
}

describe('hostile input', () => {
  let bus: MessageBus;
  let caller: BoundedCaller;

  const call = async (member: string, signature: string, body: unknown[]): Promise<Answer> => {
    try {
      const [json] = await caller.call({
        destination: HELPER_BUS_NAME,
        path: HELPER_OBJECT_PATH,
        interface: HELPER_INTERFACE,
        member,
        signature,
        body,
      });
      return { ok: true, json: String(json) };
    } catch (err) {
      return err instanceof DBusError
        ? { ok: false, name: err.type, message: err.text }
        : { ok: false, name: '(no D-Bus error)', message: String(err) };
    }
  };
  const errorName = async (member: string, signature: string, body: unknown[]) => {
    const answer = await call(member, signature, body);
    return answer.ok ? 'ok' : answer.name;
  };
  /** Calls a method with a valid request and reads its reply; throws the helper's error. */
  const helper = async <M extends HelperMethodName>(
    method: M,
    input: HelperInput<M>,
  ): Promise<HelperOutput<M>> => {
    const answer = await call(method, 's', [JSON.stringify(input)]);
    if (!answer.ok) throw new Error(`${method}: ${answer.name}: ${answer.message}`);
    return helperMethods[method].output.parse(JSON.parse(answer.json)) as HelperOutput<M>;
  };

  const helperPid = async (): Promise<number> => {
    const [pid] = await caller.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'GetConnectionUnixProcessID',
      signature: 's',
      body: [HELPER_BUS_NAME],
    });
    return Number(pid);
  };

  beforeAll(async () => {
    requireLab();
    rmSync(MARKER, { force: true });
    // The probes of CreateEngineVolume and CreateEngineNetwork ask for names that are taken.
    await makeProbeFixtures();
    bus = await connectSystemBus();
    caller = new BoundedCaller(bus);
    expect(await errorName('GetStatus', 's', ['{}'])).toBe('ok');
  });

  afterAll(async () => {
    await removeProbeFixtures();
    rmSync(MARKER, { force: true });
    bus.disconnect();
  });

  it('has a probe for every method', () => {
    expect(Object.keys(HELPER_PROBES).sort()).toEqual([...METHODS].sort());
  });

  it('refuses every hostile value the contract refuses as InvalidInput naming its field, in every field of every method; free text alone takes them, and changes nothing', async () => {
    const pid = await helperPid();
    const variants = METHODS.flatMap(variantsOf);
    const wrong: string[] = [];
    const tookHostileText = new Set<string>();
    await mapBounded(variants, 16, async (variant) => {
      const { method, field, how, input } = variant;
      const answer = await call(method, 's', [JSON.stringify(input)]);
      const where = `${method} ${how} of ${fieldName(field)}`;
      const got = answer.ok ? `a result` : `${answer.name}: ${answer.message.slice(0, 200)}`;
      if (!helperMethods[method].input.safeParse(input).success) {
        // Refused: the message names the method and the field (a record's key: the record, then the key).
        const named = how === 'key' ? `${fieldName(field)}.` : `${fieldName(field)}: `;
        if (
          answer.ok ||
          answer.name !== INVALID ||
          !answer.message.startsWith(`${method}: `) ||
          !answer.message.includes(named)
        )
          wrong.push(`${where}: expected InvalidInput naming ${named}, got ${got}`);
        return;
      }
      if (how !== 'value') {
        wrong.push(`${where}: the contract accepts it`);
        return;
      }
      tookHostileText.add(`${method} ${fieldName(field).replace(/\.\d+(?=\.|$)/g, '.*')}`);
      // Accepted text: the answer is the probe's own, as if the text were plain.
      const probe = HELPER_PROBES[method].answer;
      const same =
        'result' in probe
          ? answer.ok
          : !answer.ok &&
            answer.name === HELPER_ERROR_NAMES[probe.error] &&
            probe.message.test(answer.message);
      if (!same)
        wrong.push(`${where} (${JSON.stringify(input).slice(0, 120)}): changed the answer to ${got}`);
    });
    expect(wrong).toEqual([]);
    expect([...tookHostileText].sort()).toEqual([...FREE_TEXT].sort());
    expect(
      [...tookHostileText].every((field) => isChangingMethod(field.split(' ')[0] as HelperMethodName)),
    ).toBe(true);
    expect(variants.length).toBeGreaterThan(3000);
    expect(existsSync(MARKER)).toBe(false);
    expect(await helperPid()).toBe(pid);
  });

  it('refuses requests of the wrong D-Bus types, bad call ids, unknown keys and oversized requests for every method', async () => {
    const pid = await helperPid();
    const wrong: string[] = [];
    await mapBounded(METHODS, 8, async (method) => {
      const probe = JSON.stringify(HELPER_PROBES[method].input);
      const checks: [string, unknown[], RegExp][] = [
        ['i', [1], /signature "ss" or "s"/],
        ['', [], /signature "ss" or "s"/],
        ['sss', [probe, 'a', 'b'], /signature "ss" or "s"/],
        ['ss', [probe, '{}'], /callId: not a call id/],
        ['ss', [probe, ''], /callId: not a call id/],
        ['ss', [probe, 'x'.repeat(65)], /callId: not a call id/],
        ['ss', [probe, '$(reboot)'], /callId: not a call id/],
        ['s', ['not json'], /not valid JSON/],
        ['s', ['[]'], /\(input\): /],
        ['s', ['null'], /\(input\): /],
        ['s', ['"x"'], /\(input\): /],
        ['s', [JSON.stringify({ ...(HELPER_PROBES[method].input as object), surprise: 1 })], /surprise/],
        ['s', [`"${'x'.repeat(300 * 1024)}"`], /larger than/],
      ];
      for (const [signature, body, message] of checks) {
        const answer = await call(method, signature, body);
        if (answer.ok || answer.name !== INVALID || !message.test(answer.message))
          wrong.push(
            `${method} (${signature}) ${String(message)}: ${answer.ok ? 'a result' : `${answer.name}: ${answer.message.slice(0, 160)}`}`,
          );
      }
    });
    expect(wrong).toEqual([]);
    expect(await errorName('GetStatus', 'ss', ['{}', 'hostile-suite'])).toBe('ok');
    expect(await helperPid()).toBe(pid);
  });

  it('refuses a VM whose files are host files outside every storage pool, also through a link in a pool, naming the field', async () => {
    const link = `/var/lib/nova/disks/nova-test-link-${String(process.pid)}.img`;
    const defined = uniqueName('outside');
    mkdirSync('/var/lib/nova/disks', { recursive: true });
    await mustRun('ln', ['-sf', '/etc/shadow', link]);
    try {
      const base = HELPER_PROBES.DefineDomain.input.spec;
      const define = (spec: object) =>
        call('DefineDomain', 's', [
          JSON.stringify({ spec: { ...base, name: defined, disks: [], hostdevs: [], ...spec } }),
        ]);
      const disk = (path: string) => ({
        disks: [
          {
            source: { type: 'file', path },
            format: 'raw',
            bus: 'virtio',
            target: 'vda',
            readonly: true,
            device: 'disk',
          },
        ],
      });
      const cases: [object, string][] = [
        [disk('/etc/shadow'), 'spec.disks.0.source.path'],
        [disk(link), 'spec.disks.0.source.path'],
        [{ kernel: { path: '/etc/shadow' } }, 'spec.kernel.path'],
        [{ kernel: { path: '/boot/../etc/shadow' } }, 'spec.kernel.path'],
        [{ kernel: { path: systemFile(), initrd: '/etc/shadow' } }, 'spec.kernel.initrd'],
        [{ firmware: { type: 'uefi', secureBoot: false, loader: '/etc/shadow' } }, 'spec.firmware.loader'],
        [
          { firmware: { type: 'uefi', secureBoot: false, nvramTemplate: '/root/.bashrc' } },
          'spec.firmware.nvramTemplate',
        ],
        [{ hostdevs: [{ address: '0000:01:00.0', romFile: '/etc/shadow' }] }, 'spec.hostdevs.0.romFile'],
      ];
      for (const [spec, field] of cases) {
        const answer = await define({
          kernel: undefined,
          firmware: { type: 'bios', secureBoot: false },
          ...spec,
        });
        expect(answer.ok ? 'a result' : `${answer.name}: ${answer.message}`, field).toMatch(
          new RegExp(
            `^${INVALID.replaceAll('.', '\\.')}: DefineDomain: ${field.replaceAll('.', '\\.')}: |^${INVALID.replaceAll('.', '\\.')}: ${field.replaceAll('.', '\\.')}: `,
          ),
        );
      }
      expect((await run('virsh', ['-c', 'qemu:///system', 'dominfo', defined])).code).not.toBe(0);
    } finally {
      rmSync(link, { force: true });
      await run('virsh', ['-c', 'qemu:///system', 'undefine', defined]);
    }
  });

  describe('legitimate text with shell and XML characters, taken and kept intact', () => {
    // Free text as a person may write it: every character here is legitimate, none may act.
    const TEXT = `a < b && c > d; $(touch ${MARKER}) \`touch ${MARKER}\` | 'q' "qq" </description></cmdline><nova-injected/> ]]> <!ENTITY xxe SYSTEM "file:///etc/shadow"> &xxe; &amp; naïve 😀`;
    const project = uniqueName('hostile');
    const ownership = (name: string) => ({ project, name, specHash: 'b'.repeat(64) });
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      parseTagValue: false,
      trimValues: false,
    });
    const hasElement = (node: unknown, name: string): boolean =>
      typeof node === 'object' &&
      node !== null &&
      Object.entries(node).some(([key, child]) => key === name || hasElement(child, name));

    it('keeps a kernel command line and a snapshot description exactly, as text of the VM’s XML', async () => {
      const pool = project.slice(0, 40);
      const folder = `/var/lib/nova/pools/${pool}`;
      const vm = `${project}-vm`;
      try {
        await helper('DefinePool', {
          spec: { name: pool, ownership: ownership(pool), path: folder, shared: false },
        });
        await helper('CreateVolume', {
          project,
          spec: { pool, name: 'disk.qcow2', format: 'qcow2', capacityBytes: 1024 * 1024 },
        });
        // A kernel file inside the pool's folder: the VM is only defined, never started.
        writeFileSync(join(folder, 'vmlinuz'), '');
        const cmdline = `console=ttyS0 nova.note="${TEXT}"\n\tsecond line`;
        await helper('DefineDomain', {
          spec: {
            name: vm,
            ownership: ownership(vm),
            type: 'qemu',
            vcpus: 1,
            memoryBytes: 64 * 1024 * 1024,
            firmware: { type: 'bios', secureBoot: false },
            kernel: { path: join(folder, 'vmlinuz'), cmdline },
            disks: [
              {
                source: { type: 'volume', pool, volume: 'disk.qcow2' },
                format: 'qcow2',
                bus: 'virtio',
                target: 'vda',
                readonly: false,
                device: 'disk',
              },
            ],
            nics: [],
            hostdevs: [],
            graphics: false,
          },
        });
        const { xml } = await helper('GetDomainXml', { name: vm, inactive: true });
        const domain = (parser.parse(xml) as { domain: { os: { cmdline: string } } }).domain;
        expect(domain.os.cmdline).toBe(cmdline);
        expect(hasElement(domain, 'nova-injected')).toBe(false);
        expect(xml).toContain('&lt;/cmdline&gt;&lt;nova-injected/&gt;');

        const description = `${TEXT}\n\tsecond line`;
        await helper('CreateSnapshot', { name: vm, project, snapshot: 'hostile', description });
        const { snapshots } = await helper('ListSnapshots', { name: vm });
        expect(snapshots.find((snapshot) => snapshot.name === 'hostile')?.description).toBe(description);
        const snapshotXml = await virsh('snapshot-dumpxml', vm, 'hostile');
        const snapshot = parser.parse(snapshotXml) as { domainsnapshot: { description: string } };
        expect(snapshot.domainsnapshot.description).toBe(description);
        expect(hasElement(snapshot.domainsnapshot, 'nova-injected')).toBe(false);
        expect(existsSync(MARKER)).toBe(false);
      } finally {
        await call('DeleteDomain', 's', [JSON.stringify({ name: vm, project, removeVolumes: true })]);
        rmSync(join(folder, 'vmlinuz'), { force: true });
        await call('DeleteVolume', 's', [JSON.stringify({ project, pool, name: 'disk.qcow2' })]);
        await call('DeletePool', 's', [JSON.stringify({ name: pool, project })]);
        rmSync(folder, { recursive: true, force: true });
        await run('virsh', ['-c', 'qemu:///system', 'undefine', vm, '--snapshots-metadata']);
      }
    });

    it('passes a container’s argv, environment and labels as they are, and runs no shell on them', async () => {
      const name = `${project}-c`;
      try {
        const { id } = await helper('CreateContainer', {
          engine: 'docker',
          spec: {
            name,
            ownership: ownership(name),
            image: TEST_IMAGE,
            // sh -c SCRIPT NAME ARGS…: the further arguments are not read by the script.
            command: ['sh', '-c', 'sleep 3600', 'sleeper', TEXT],
            env: { NOVA_NOTE: TEXT },
            ports: [],
            mounts: [],
            restart: { name: 'no' },
            readOnly: false,
            noNewPrivileges: true,
            gpus: false,
            labels: { 'org.example.note': TEXT },
          },
        });
        const [inspected] = JSON.parse(await mustRun('docker', ['inspect', id])) as {
          Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string> };
        }[];
        expect(inspected?.Config.Cmd).toEqual(['sh', '-c', 'sleep 3600', 'sleeper', TEXT]);
        expect(inspected?.Config.Env).toContain(`NOVA_NOTE=${TEXT}`);
        expect(inspected?.Config.Labels['org.example.note']).toBe(TEXT);
        await helper('StartContainer', { engine: 'docker', container: name, project });
        const echoed = await helper('ExecContainer', {
          engine: 'docker',
          container: name,
          project,
          request: { argv: ['echo', TEXT], env: [`NOVA_EXEC=${TEXT}`] },
        });
        expect(echoed).toMatchObject({ exitCode: 0, stdout: `${TEXT}\n` });
        const printed = await helper('ExecContainer', {
          engine: 'docker',
          container: name,
          project,
          request: { argv: ['sh', '-c', 'printf %s "$NOVA_EXEC"'], env: [`NOVA_EXEC=${TEXT}`] },
        });
        expect(printed.stdout).toBe(TEXT);
        const marker = await helper('ExecContainer', {
          engine: 'docker',
          container: name,
          project,
          request: { argv: ['test', '-e', MARKER] },
        });
        expect(marker.exitCode).toBe(1);
        expect(existsSync(MARKER)).toBe(false);
      } finally {
        await run('docker', ['rm', '-f', name]);
      }
    });

    it('keeps labels of engine networks and volumes as they are', async () => {
      const name = `${project}-n`;
      try {
        await helper('CreateEngineNetwork', {
          engine: 'docker',
          spec: { name, ownership: ownership(name), internal: true, labels: { 'org.example.note': TEXT } },
        });
        await helper('CreateEngineVolume', {
          engine: 'docker',
          spec: { name, ownership: ownership(name), labels: { 'org.example.note': TEXT } },
        });
        const label = async (kindOf: 'network' | 'volume') =>
          (
            JSON.parse(await mustRun('docker', [kindOf, 'inspect', name])) as {
              Labels: Record<string, string>;
            }[]
          )[0]?.Labels['org.example.note'];
        expect(await label('network')).toBe(TEXT);
        expect(await label('volume')).toBe(TEXT);
      } finally {
        await run('docker', ['network', 'rm', name]);
        await run('docker', ['volume', 'rm', '-f', name]);
      }
    });
  });
});
