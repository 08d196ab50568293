// A template registry served from 127.0.0.1 for tests: index.json, a small qcow2 disk image, its
// minisign signature (made here by the real minisign binary with a fresh key pair) and its SSH
// signature (ssh-keygen -Y sign), plus a trust store that trusts those keys. The server honours HTTP
// Range (for resume) and can cut a download midway once, and records what it was asked.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GUEST_DIR, mustRun } from './lab.js';

export const SSH_IDENTITY = 'lab@nova.test';

export interface ServedRequest {
  path: string;
  range: string | undefined;
  status: number;
}

export interface TemplateRegistry {
  /** http://127.0.0.1:PORT/index.json */
  indexUrl: string;
  baseUrl: string;
  /** A config folder (NOVA_CONFIG_DIR) whose trusted-keys/ trusts the registry's keys. */
  configDir: string;
  /** The folder everything is made in (keys, files). */
  dir: string;
  /** A folder registry (index.json next to the image and its signatures). */
  folder: string;
  /** The minisign key id of the trusted key, as minisign prints it. */
  keyId: string;
  /** The image's sha256. */
  sha256: string;
  imageBytes: number;
  requests: ServedRequest[];
  /** The next full download of this path is cut after half the bytes. */
  interruptOnce(path: string): void;
  close(): Promise<void>;
}

export type TemplateIds =
  | 'tiny-minisign'
  | 'tiny-ssh'
  | 'tiny-tampered'
  | 'tiny-unknown-key'
  | 'tiny-bad-signature'
  | 'tiny-unsigned'
  | 'tiny-resume'
  | 'tiny-stack'
  | 'tiny-stack-unverified';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function minisignKeyPair(
  dir: string,
  name: string,
): Promise<{ pub: string; sec: string; keyId: string }> {
  const pub = join(dir, `${name}.pub`);
  const sec = join(dir, `${name}.key`);
  await mustRun('minisign', ['-G', '-p', pub, '-s', sec, '-W']);
  const keyId = /minisign public key ([0-9A-F]{1,16})/.exec(readFileSync(pub, 'utf8'))?.[1];
  if (keyId === undefined) throw new Error(`no key id in ${pub}`);
  return { pub, sec, keyId };
}

function vmTemplate(id: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    name: `Tiny test disk (${id})`,
    version: '1.0',
    kind: 'vm',
    os: 'linux',
    os_version: 'test',
    arch: 'x86_64',
    description: 'The lab’s tiny guest on a disk (SYSLINUX, kernel, initramfs): it boots and asks DHCP.',
    tags: ['test', 'tiny'],
    minimum: { cpu: 1, memory: '64Mi', disk: '32Mi' },
    defaults: { cpu: 1, memory: '128Mi', disk_size: '32Mi', firmware: 'bios', cloud_init: false },
    ...extra,
  };
}

/** Makes the registry's files and starts serving them on a free port of 127.0.0.1. */
/**
 * A disk the lab's tiny guest boots from with a BIOS: a FAT file system holding SYSLINUX, the guest's
 * kernel and initramfs (it asks DHCP for an address once up), converted to qcow2 at `output`.
 */
async function bootableDisk(work: string, output: string): Promise<string> {
  const kernel = join(GUEST_DIR, 'vmlinuz');
  const initrd = join(GUEST_DIR, 'initrd.img');
  const raw = join(work, 'boot.img');
  const mib = Math.ceil((statSync(kernel).size + statSync(initrd).size) / 1_048_576) + 8;
  await mustRun('truncate', ['-s', `${String(mib)}M`, raw]);
  await mustRun('mkfs.vfat', ['-n', 'NOVABOOT', raw]);
  await mustRun('syslinux', ['--install', raw]);
  const config = join(work, 'syslinux.cfg');
  writeFileSync(
    config,
    'DEFAULT nova\nPROMPT 0\nTIMEOUT 0\nLABEL nova\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND console=ttyS0 quiet\n',
  );
  for (const [file, name] of [
    [kernel, 'vmlinuz'],
    [initrd, 'initrd.img'],
    [config, 'syslinux.cfg'],
  ] as const)
    await mustRun('mcopy', ['-i', raw, file, `::${name}`]);
  await mustRun('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, output]);
  rmSync(raw);
  return output;
}

export async function startTemplateRegistry(): Promise<TemplateRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'nova-registry-'));
  try {
    return await serveRegistry(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function serveRegistry(dir: string): Promise<TemplateRegistry> {
  const files = join(dir, 'files');
  mkdirSync(files);
  const configDir = join(dir, 'config');
  const trusted = join(configDir, 'trusted-keys');
  mkdirSync(trusted, { recursive: true });

  // The image: a small qcow2 the lab's tiny guest boots from, and a copy with one byte changed (the
  // tampered one).
  const image = await bootableDisk(dir, join(files, 'tiny.qcow2'));
  const imageData = readFileSync(image);
  const tampered = Buffer.from(imageData);
  tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 0xff;
  const other = Buffer.concat([imageData, Buffer.from('another file')]);
  writeFileSync(join(files, 'other.bin'), other);

  // Keys: a trusted minisign key, an unknown one, and a trusted SSH key.
  const good = await minisignKeyPair(dir, 'trusted');
  const rogue = await minisignKeyPair(dir, 'rogue');
  writeFileSync(join(trusted, 'nova-test.pub'), readFileSync(good.pub));
  await mustRun('minisign', ['-S', '-s', good.sec, '-m', image, '-t', 'nova test image']);
  await mustRun('minisign', ['-S', '-s', rogue.sec, '-m', image, '-x', join(files, 'tiny.rogue.minisig')]);
  // A trusted key's signature of another file: valid in form, wrong for this image.
  await mustRun('minisign', [
    '-S',
    '-s',
    good.sec,
    '-m',
    join(files, 'other.bin'),
    '-x',
    join(files, 'other.minisig'),
  ]);
  const sshKey = join(dir, 'ssh_ed25519');
  await mustRun('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', SSH_IDENTITY, '-f', sshKey]);
  await mustRun('ssh-keygen', ['-Y', 'sign', '-f', sshKey, '-n', 'nova-template', image]);
  const sshPublic = readFileSync(`${sshKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(
    join(trusted, 'allowed_signers'),
    `${SSH_IDENTITY} namespaces="nova-template" ${sshPublic}\n`,
  );

  const sum = sha256(imageData);
  const minisigPublisher = { id: 'nova-lab', name: 'Nova lab', key: `minisign:${good.keyId}` };
  const index = {
    version: 1,
    name: 'Nova test registry',
    templates: [
      vmTemplate('tiny-minisign', {
        publisher: minisigPublisher,
        image: { url: 'tiny.qcow2', format: 'qcow2', size: imageData.length, sha256: sum },
        signature: { type: 'minisign', url: 'tiny.qcow2.minisig' },
      }),
      vmTemplate('tiny-ssh', {
        tags: ['test', 'tiny', 'ssh'],
        publisher: { id: SSH_IDENTITY, name: 'Nova lab (SSH)', key: `ssh:${SSH_IDENTITY}` },
        image: { url: 'tiny.qcow2', format: 'qcow2', sha256: sum },
        signature: { type: 'ssh', url: 'tiny.qcow2.sig' },
      }),
      vmTemplate('tiny-tampered', {
        publisher: minisigPublisher,
        image: { url: 'tampered/tiny.qcow2', format: 'qcow2', sha256: sum },
        signature: { type: 'minisign', url: 'tiny.qcow2.minisig' },
      }),
      vmTemplate('tiny-unknown-key', {
        publisher: minisigPublisher,
        image: { url: 'tiny.qcow2', format: 'qcow2', sha256: sum },
        signature: { type: 'minisign', url: 'tiny.rogue.minisig' },
      }),
      vmTemplate('tiny-bad-signature', {
        publisher: minisigPublisher,
        image: { url: 'tiny.qcow2', format: 'qcow2', sha256: sum },
        signature: { type: 'minisign', url: 'other.minisig' },
      }),
      vmTemplate('tiny-unsigned', {
        tags: ['test', 'tiny', 'unsigned'],
        publisher: { id: 'somebody', name: 'Somebody' },
        image: { url: 'tiny.qcow2', format: 'qcow2', sha256: sum },
      }),
      vmTemplate('tiny-resume', {
        publisher: minisigPublisher,
        image: { url: 'resume/tiny.qcow2', format: 'qcow2', size: imageData.length, sha256: sum },
        signature: { type: 'minisign', url: 'tiny.qcow2.minisig' },
      }),
      {
        id: 'tiny-stack',
        name: 'Tiny test stack',
        version: '1',
        kind: 'container-stack',
        os: 'busybox',
        arch: 'any',
        tags: ['test', 'stack'],
        publisher: minisigPublisher,
        minimum: { cpu: 1, memory: '64Mi', disk: '16Mi' },
        containers: {
          app: { capsule: 'nova-test/busybox:latest', command: ['sleep', '3600'], network: 'net' },
        },
        networks: { net: { type: 'overlay' } },
      },
      {
        // The same stack from a publisher with no key: its publisher check fails.
        id: 'tiny-stack-unverified',
        name: 'Tiny test stack (unverified publisher)',
        version: '1',
        kind: 'container-stack',
        os: 'busybox',
        arch: 'any',
        tags: ['test', 'stack'],
        publisher: { id: 'somebody', name: 'Somebody' },
        minimum: { cpu: 1, memory: '64Mi', disk: '16Mi' },
        containers: {
          app: { capsule: 'nova-test/busybox:latest', command: ['sleep', '3600'] },
        },
      },
    ],
  };

  // The same index as a folder registry (the images that exist only over HTTP are left out).
  writeFileSync(
    join(files, 'index.json'),
    JSON.stringify({
      ...index,
      name: 'Nova test folder registry',
      templates: index.templates.filter((template) =>
        ['tiny-minisign', 'tiny-ssh'].includes(template['id'] as string),
      ),
    }),
  );

  const served = new Map<string, Buffer>([
    ['/index.json', Buffer.from(JSON.stringify(index, null, 2))],
    ['/tiny.qcow2', imageData],
    ['/resume/tiny.qcow2', imageData],
    ['/tampered/tiny.qcow2', tampered],
    ['/tiny.qcow2.minisig', readFileSync(`${image}.minisig`)],
    ['/tiny.rogue.minisig', readFileSync(join(files, 'tiny.rogue.minisig'))],
    ['/other.minisig', readFileSync(join(files, 'other.minisig'))],
    ['/tiny.qcow2.sig', readFileSync(`${image}.sig`)],
  ]);
  const interrupt = new Set<string>();
  const requests: ServedRequest[] = [];

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = served.get(path);
    const range = request.headers.range;
    const record = (status: number) => {
      requests.push({ path, range, status });
    };
    if (body === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      record(404);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const etag = `"${sha256(body).slice(0, 16)}"`;
    const ifRange = request.headers['if-range'];
    const match = range === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
    if (match !== null && (ifRange === undefined || ifRange === etag)) {
      const start = Number(match[1]);
      const end =
        match[2] === '' || match[2] === undefined
          ? body.length - 1
          : Math.min(Number(match[2]), body.length - 1);
      if (start >= body.length) {
        record(416);
        response.writeHead(416, { 'content-range': `bytes */${String(body.length)}` }).end();
        return;
      }
      record(206);
      response.writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-length': String(end - start + 1),
        'content-range': `bytes ${String(start)}-${String(end)}/${String(body.length)}`,
        'accept-ranges': 'bytes',
        etag,
      });
      response.end(request.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
      return;
    }
    record(200);
    response.writeHead(200, {
      'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      etag,
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    if (interrupt.delete(path)) {
      // Half the bytes, then the connection drops.
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        setTimeout(() => response.socket?.destroy(), 50);
      });
      return;
    }
    response.end(body);
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${String(port)}/`;
  return {
    indexUrl: `${baseUrl}index.json`,
    baseUrl,
    configDir,
    dir,
    folder: files,
    keyId: good.keyId,
    sha256: sum,
    imageBytes: imageData.length,
    requests,
    interruptOnce: (path) => interrupt.add(path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
