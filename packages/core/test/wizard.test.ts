import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildDomainXml } from '../src/libvirt/domain-builder.js';
import { updateNovaFile } from '../src/novafile/edit.js';
import { readNovaFile } from '../src/novafile/read.js';
import { resolveDesiredState } from '../src/novafile/resolve.js';
import type { WizardAnswers, WizardContext } from '../src/wizard/answers.js';
import { defaultAnswers, stepsFor, withPreset } from '../src/wizard/defaults.js';
import { diffLines, splitLines, unifiedDiff } from '../src/wizard/line-diff.js';
import { issuesOf, previewWizard, wizardEdits } from '../src/wizard/wizard.js';
import { newDisksInDefaultPool } from '../src/wizard/wizard-service.js';

const FILE = [
  '# My lab: comments and spacing must survive the wizard.',
  'project = "lab"',
  '',
  '[network.lan]   # a NAT network',
  'profile = "nat"',
  'subnet = "10.9.0.0/24"',
  '',
  '[storage.fast]',
  'directory = "/srv/fast"',
  '',
  '[vm.old]',
  'cpu = 1',
  '',
  '[container.web]',
  'capsule = "nginx:1"',
  '',
].join('\n');

function context(overrides: Partial<WizardContext> = {}): WizardContext {
  return {
    file: 'NovaFile',
    text: FILE,
    exists: true,
    hostNetworks: ['default', 'virbr0'],
    hostVms: ['taken'],
    isos: ['/srv/iso/debian-12.iso'],
    templates: [
      {
        id: 'debian-12',
        name: 'Debian 12',
        description: '',
        cpu: 2,
        memory: '2Gi',
        disk: '20Gi',
        firmware: 'uefi',
        secureBoot: false,
        cloudInit: true,
        imageFormat: 'qcow2',
        failedChecks: [],
      },
    ],
    tinyGuest: { kernel: '/g/vmlinuz', initrd: '/g/initrd.img' },
    kvmUsable: true,
    warnings: [],
    ...overrides,
  };
}

function tiny(overrides: Partial<WizardAnswers> = {}): WizardAnswers {
  return { ...defaultAnswers('t1', 'tiny', context()), ...overrides };
}

function messages(answers: WizardAnswers, ctx = context(), exists?: (path: string) => boolean) {
  return previewWizard(ctx, answers, exists === undefined ? {} : { exists }).issues.map(
    (issue) => `${issue.step}/${issue.field ?? ''}: ${issue.message}`,
  );
}

describe('the line diff', () => {
  it('is empty for equal texts and marks added and removed lines with + and -', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n').diff).toBe('');
    const { diff } = unifiedDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(diff).toBe(
      ['--- a/NovaFile', '+++ b/NovaFile', '@@ -1,3 +1,4 @@', ' a', '-b', '+B', ' c', '+d', ''].join('\n'),
    );
  });

  it('keeps three lines of context and splits far-apart changes into hunks', () => {
    const old = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const next = old.map((line) => (line === 'l2' || line === 'l18' ? `${line}!` : line));
    const { hunks } = unifiedDiff(`${old.join('\n')}\n`, `${next.join('\n')}\n`);
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 5, 1, 5],
      [15, 6, 15, 6],
    ]);
  });

  it('gives a script that rebuilds both texts, and a shortest one', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const a = Array.from(
        { length: Math.floor(random() * 12) },
        () => 'xyz'[Math.floor(random() * 3)] ?? 'x',
      );
      const b = Array.from(
        { length: Math.floor(random() * 12) },
        () => 'xyz'[Math.floor(random() * 3)] ?? 'x',
      );
      const script = diffLines(a, b);
      expect(script.filter((l) => l.kind !== 'added').map((l) => l.text)).toEqual(a);
      expect(script.filter((l) => l.kind !== 'removed').map((l) => l.text)).toEqual(b);
      // The number of kept lines is the longest common subsequence's length.
      const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          (lcs[i] ?? [])[j] =
            a[i] === b[j]
              ? (lcs[i + 1]?.[j + 1] ?? 0) + 1
              : Math.max(lcs[i + 1]?.[j] ?? 0, lcs[i]?.[j + 1] ?? 0);
      expect(script.filter((l) => l.kind === 'context')).toHaveLength(lcs[0]?.[0] ?? 0);
    }
  });

  it('reads CRLF and a missing final newline as lines', () => {
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('the wizard’s section and edits', () => {
  it('adds the tiny guest as one [vm.<name>] section and leaves every other byte of the file', () => {
    const preview = previewWizard(context(), tiny());
    expect(preview.issues).toEqual([]);
    expect(preview.text.startsWith(FILE)).toBe(true);
    const read = readNovaFile(preview.text, { host: { networks: ['default'] } });
    if (!read.ok) throw new Error('the result must read');
    expect(read.model.vm['t1']).toMatchObject({
      cpu: 1,
      memory: 128 * 1024 ** 2,
      accelerator: 'tcg',
      network: 'default',
      boot: { kernel: '/g/vmlinuz', initrd: '/g/initrd.img', cmdline: 'console=ttyS0' },
    });
    expect(preview.diff).toContain('+[vm.t1]');
    expect(
      preview.diff.split('\n').filter((line) => line.startsWith('-') && !line.startsWith('---')),
    ).toEqual([]);
    expect(preview.section).toContain('[vm.t1.boot]');
  });

  it('writes an ISO with its system disk, extra disks in a pool, UEFI, Secure Boot and TPM', () => {
    const answers: WizardAnswers = {
      ...defaultAnswers('win', 'iso', context()),
      iso: '/srv/iso/debian-12.iso',
      disks: [
        { size: '40Gi', pool: 'fast' },
        { size: '5Gi', pool: 'fast' },
      ],
      firmware: 'uefi',
      secureBoot: true,
      tpm: true,
    };
    const preview = previewWizard(context(), answers);
    expect(preview.issues).toEqual([]);
    const read = readNovaFile(preview.text, { host: { networks: ['default'] } });
    if (!read.ok) throw new Error('the result must read');
    expect(read.model.vm['win']).toMatchObject({
      cdrom: '/srv/iso/debian-12.iso',
      storage: { size: 40 * 1024 ** 3, directory: '/srv/fast' },
      disk: [{ name: 'disk1', size: 5 * 1024 ** 3, pool: 'fast' }],
      firmware: { boot_type: 'uefi', secure_boot: true },
      tpm: { enabled: true, version: 'v2-0' },
    });
  });

  it('the windows11 preset makes a VM the NovaFile’s windows11 profile accepts', () => {
    const answers = withPreset(
      { ...defaultAnswers('w11', 'iso', context()), iso: '/srv/iso/debian-12.iso' },
      'windows11',
    );
    const preview = previewWizard(context(), answers);
    expect(preview.issues).toEqual([]);
    const read = readNovaFile(preview.text, { host: { networks: ['default'] } });
    if (!read.ok) throw new Error('the result must read');
    expect(read.model.vm['w11']).toMatchObject({
      compliance_profile: 'windows11',
      cpu: 4,
      memory: 8 * 1024 ** 3,
      storage: { size: 64 * 1024 ** 3 },
    });
  });

  it('gives a cloud image its user and SSH key through cloud-init', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7 me@host';
    const answers = {
      ...defaultAnswers('c1', 'template', context(), 'debian-12'),
      user: 'ada',
      sshKeys: [key],
    };
    const preview = previewWizard(context(), answers);
    expect(preview.issues).toEqual([]);
    const read = readNovaFile(preview.text, { host: { networks: ['default'] } });
    if (!read.ok) throw new Error('the result must read');
    const vm = read.model.vm['c1'];
    expect(vm?.image).toBe('/var/lib/nova/disks/c1.qcow2');
    expect(vm?.firmware.boot_type).toBe('uefi');
    expect(vm?.cloud_init?.ssh_authorized_keys).toEqual([key]);
    expect(vm?.cloud_init?.user_data).toContain('name: ada');
    expect(stepsFor('template')).toContain('cloud-init');
    expect(stepsFor('tiny')).not.toContain('cloud-init');
  });

  it('updateNovaFile writes the wizard’s edits and keeps the rest of the file byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nova-wizard-'));
    const path = join(dir, 'NovaFile');
    writeFileSync(path, FILE);
    await updateNovaFile(path, wizardEdits(tiny(), context()), { host: { networks: ['default'] } });
    const after = readFileSync(path, 'utf8');
    expect(after.slice(0, FILE.length)).toBe(FILE);
    expect(after.slice(FILE.length)).toContain('[vm.t1]');
  });

  it('creates a file from nothing', () => {
    const preview = previewWizard(context({ text: '', exists: false }), tiny());
    expect(preview.issues).toEqual([]);
    expect(preview.diff).toMatch(/^--- a\/NovaFile\n\+\+\+ b\/NovaFile\n@@ -0,0 \+1,\d+ @@\n\+\[vm\.t1\]/);
  });
});

describe('the wizard’s checks (the NovaFile’s rules)', () => {
  it('name: follows the NovaFile’s pattern', () => {
    expect(messages(tiny({ name: '-bad name' }))).toEqual(['name/name: "-bad name" is not a valid name']);
    expect(messages(tiny({ name: '' }))).toEqual(['name/name: give the VM a name']);
  });

  it('name: not a VM or container of the file, nor a VM of the host', () => {
    expect(messages(tiny({ name: 'old' }))).toEqual(['name/name: NovaFile already has a VM named "old"']);
    expect(messages(tiny({ name: 'web' }))).toEqual([
      'name/name: NovaFile already has a container named "web"',
    ]);
    expect(messages(tiny({ name: 'taken' }))).toEqual([
      'name/name: a VM named "taken" already exists on this host',
    ]);
  });

  it('resources: at least one vCPU, and memory with a known unit', () => {
    expect(messages(tiny({ cpu: 0 }))).toEqual(['resources/cpu: a VM needs at least one vCPU']);
    const memory = messages(tiny({ memory: '2 GB' }));
    expect(memory).toHaveLength(1);
    expect(memory[0]).toMatch(/^resources\/memory: /);
  });

  it('disks: a size the NovaFile reads, and a declared pool', () => {
    expect(messages(tiny({ disks: [{ size: 'lots' }] }))[0]).toMatch(/^disks\/disks: /);
    expect(messages(tiny({ disks: [{ size: '1Gi', pool: 'slow' }] }))).toEqual([
      'disks/disks: storage pool "slow" is not declared in this file',
    ]);
    const iso = { ...defaultAnswers('i1', 'iso', context()), iso: '/srv/iso/debian-12.iso' };
    expect(messages({ ...iso, disks: [{ size: '9Gi', pool: 'slow' }] })).toEqual([
      'disks/disks: storage pool "slow" is not declared in NovaFile',
    ]);
  });

  it('network: one of the file or the host', () => {
    expect(messages(tiny({ network: 'lan' }))).toEqual([]);
    expect(messages(tiny({ network: 'nowhere' }))).toEqual([
      'network/network: network "nowhere" is neither declared in this file nor present on this host',
    ]);
  });

  it('firmware: Secure Boot needs UEFI; windows11 needs TPM 2.0; gpu-labs needs a GPU', () => {
    expect(messages(tiny({ secureBoot: true }))).toEqual([
      'firmware/secureBoot: Secure Boot needs UEFI firmware',
    ]);
    const w11 = withPreset(tiny(), 'windows11');
    expect(messages({ ...w11, tpm: false })).toEqual([
      'firmware/preset: the windows11 profile needs UEFI, Secure Boot and TPM 2.0',
    ]);
    expect(messages(withPreset(tiny(), 'gpu-labs'))).toEqual([
      'firmware/gpu: the gpu-labs preset passes a GPU through: give its PCI address',
    ]);
    expect(messages({ ...withPreset(tiny(), 'gpu-labs'), gpu: '01:00.0' })).toEqual([
      'firmware/gpu: a PCI address looks like "0000:01:00.0"',
    ]);
  });

  it('accelerator: kvm only where KVM works', () => {
    expect(messages(tiny({ accelerator: 'kvm' }), context({ kvmUsable: false }))).toEqual([
      'accelerator/accelerator: KVM cannot run VMs on this host',
    ]);
  });

  it('cloud-init: only for cloud images, with a valid user and SSH key lines', () => {
    expect(messages(tiny({ user: 'ada' }))[0]).toMatch(/^cloud-init\/user: cloud-init is for cloud images/);
    const cloud = defaultAnswers('c2', 'template', context(), 'debian-12');
    expect(messages({ ...cloud, user: 'Ada!' })).toEqual([
      'cloud-init/user: "Ada!" is not a valid user name',
    ]);
    expect(messages({ ...cloud, sshKeys: ['not a key'] })).toEqual([
      'cloud-init/sshKeys: not an SSH public key line',
    ]);
  });

  it('source: a known template with an image, an .iso that exists, a disk image that exists, the tiny guest', () => {
    const template = defaultAnswers('s1', 'template', context(), 'nope');
    expect(messages(template)[0]).toBe('source/template: there is no VM template "nope"');
    const ctx = context();
    const [chosen] = ctx.templates;
    if (chosen !== undefined) chosen.failedChecks = ['signature'];
    const unverified = defaultAnswers('s1', 'template', ctx, 'debian-12');
    expect(messages(unverified, ctx)).toEqual([
      'source/template: template "debian-12" failed its signature check',
    ]);
    expect(messages({ ...unverified, allowUnverified: true }, ctx)).toEqual([]);
    const iso = defaultAnswers('s2', 'iso', context());
    expect(messages({ ...iso, iso: '/srv/iso/readme.txt' })).toEqual([
      'source/iso: /srv/iso/readme.txt is not an ISO image (*.iso)',
    ]);
    expect(messages({ ...iso, iso: '/srv/iso/gone.iso' }, context(), () => false)).toEqual([
      'source/iso: there is no file /srv/iso/gone.iso',
    ]);
    const disk = defaultAnswers('s3', 'disk', context());
    expect(messages(disk)).toEqual(['source/diskImage: give the path of the disk image to boot']);
    expect(messages(tiny(), context({ tinyGuest: undefined }))[0]).toMatch(
      /^source\/source: the tiny test guest is not installed/,
    );
  });

  it('reads the current file with the host’s networks: a VM there on a libvirt network is no error', () => {
    const text = `${FILE}\n[vm.net]\nnetwork = "default"\n`;
    expect(messages(tiny(), context({ text }))).toEqual([]);
  });

  it('refuses to add to a file that has errors, and says where they are', () => {
    const preview = previewWizard(context({ text: 'project = "lab"\n[vm.x]\ncpu = "two"\n' }), tiny());
    expect(issuesOf(preview, 'source')[0]?.message).toMatch(
      /^NovaFile has errors; fix them before the wizard adds to it:\nNovaFile:3:7: /,
    );
    expect(preview.diff).toBe('');
  });
});

describe('cdrom: an installer ISO in the NovaFile', () => {
  it('attaches the ISO read-only as a SATA CD-ROM, in a pool of its folder, and boots from it after the disk', () => {
    const read = readNovaFile('[vm.inst]\ncdrom = "iso/debian.iso"\n');
    if (!read.ok) throw new Error('the file must read');
    const desired = resolveDesiredState(read.model, {
      fileDir: '/srv/lab',
      kvm: { usable: false, reason: 'test' },
      libvirtNetworks: [],
      hostBridges: [],
      poolsByPath: new Map(),
      defaultEngine: undefined,
    });
    expect(desired.issues).toEqual([]);
    const spec = desired.vms[0]?.spec;
    expect(spec?.disks.find((disk) => disk.device === 'cdrom')).toEqual({
      source: { type: 'file', path: '/srv/lab/iso/debian.iso' },
      format: 'raw',
      bus: 'sata',
      target: 'sda',
      readonly: true,
      device: 'cdrom',
    });
    expect(desired.pools.map((pool) => pool.spec.path)).toContain('/srv/lab/iso');
    if (spec === undefined) throw new Error('the VM must resolve');
    const xml = buildDomainXml(spec);
    expect(xml).toMatch(/<boot dev="hd"\/>\s*<boot dev="cdrom"\/>|<boot dev='hd'\/>\s*<boot dev='cdrom'\/>/);
    expect(xml).toContain('/srv/lab/iso/debian.iso');
  });

  it('is a path: empty is refused with the NovaFile’s message', () => {
    const read = readNovaFile('[vm.inst]\ncdrom = ""\n');
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors[0]?.message).toContain('a path cannot be empty');
  });
});

describe('the storage pool of a template’s image', () => {
  const pools: NonNullable<WizardContext['pools']> = [
    {
      name: 'nova-disks',
      path: '/var/lib/nova/disks',
      isDefault: true,
      exists: false,
      active: false,
      madeByNova: true,
    },
    { name: 'fast', path: '/srv/fast', isDefault: false, exists: true, active: true, madeByNova: false },
    { name: 'cold', path: '/srv/cold', isDefault: false, exists: true, active: false, madeByNova: false },
  ];
  const withPools = () => context({ pools });
  const imageOf = (answers: WizardAnswers) => {
    const read = readNovaFile(previewWizard(withPools(), answers).text, { host: { networks: ['default'] } });
    if (!read.ok) throw new Error('the result must read');
    return read.model.vm[answers.name]?.image;
  };

  it('is the default pool unless another is chosen: the section names the copy in its folder', () => {
    const answers = defaultAnswers('p1', 'template', withPools(), 'debian-12');
    expect(answers.pool).toBeUndefined();
    expect(messages(answers, withPools())).toEqual([]);
    expect(imageOf(answers)).toBe('/var/lib/nova/disks/p1.qcow2');
    expect(imageOf({ ...answers, pool: 'fast' })).toBe('/srv/fast/p1.qcow2');
    expect(messages({ ...answers, pool: 'fast' }, withPools())).toEqual([]);
    // The default, named, before its first use: it is made then.
    expect(messages({ ...answers, pool: 'nova-disks' }, withPools())).toEqual([]);
  });

  it('must be a pool of the host, running or one Nova can start', () => {
    const answers = defaultAnswers('p2', 'template', withPools(), 'debian-12');
    expect(messages({ ...answers, pool: 'nowhere' }, withPools())).toEqual([
      'disks/pool: there is no storage pool named "nowhere" on this host',
    ]);
    const missing = previewWizard(withPools(), { ...answers, pool: 'nowhere' }).issues[0];
    expect(missing?.hint).toBe('choose one of: nova-disks (made on first use), fast, cold');
    expect(messages({ ...answers, pool: 'cold' }, withPools())).toEqual([
      'disks/pool: storage pool "cold" is not running, and Nova starts only the pools it made',
    ]);
    expect(messages({ ...answers, pool: 'bad name' }, withPools())).toEqual([
      'disks/pool: "bad name" is not a valid storage pool name',
    ]);
    // When the pools could not be read, the deploy judges the name.
    expect(messages({ ...answers, pool: 'nowhere' }, context())).toEqual([]);
  });

  it('is chosen for a template’s image only', () => {
    expect(messages(tiny({ pool: 'fast' }), withPools())).toEqual([
      'disks/pool: a storage pool is chosen for a template’s image only',
    ]);
  });

  it('new disks without a pool go to the default pool, which the wizard makes before applying', () => {
    expect(newDisksInDefaultPool(tiny())).toBe(false);
    expect(newDisksInDefaultPool(tiny({ disks: [{ size: '1Gi' }] }))).toBe(true);
    expect(newDisksInDefaultPool(tiny({ disks: [{ size: '1Gi', pool: 'fast' }] }))).toBe(false);
    const iso = defaultAnswers('i2', 'iso', context());
    expect(newDisksInDefaultPool(iso)).toBe(true);
    expect(newDisksInDefaultPool({ ...iso, disks: [{ size: '9Gi', pool: 'fast' }] })).toBe(false);
    expect(newDisksInDefaultPool(defaultAnswers('t2', 'template', context(), 'debian-12'))).toBe(false);
  });
});
