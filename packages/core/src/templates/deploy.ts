// Deploying a template: check what can be checked first, make sure the storage pool is there (Nova's
// default pool is made on first use), download the image (with progress and resume), verify its
// checksum and signature, copy it into the pool through the helper, grow it, and write the NovaFile
// section. Anything that fails undoes what this deploy created: a verified-
// bad download is deleted (only an interrupted .partial is kept, for resume), an uploaded volume is
// deleted, and the NovaFile is written once, atomically, or not at all.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { NovaError } from '../contract/errors.js';
import type { HelperCall } from '../contract/helper/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type NovaFileEdit, updateNovaFile } from '../novafile/edit.js';
import { readNovaFile } from '../novafile/read.js';
import { DEFAULT_POOL_NAME, projectName } from '../novafile/resolve.js';
import { NAME_PATTERN, NAME_RULE, type NovaFileModel } from '../novafile/schema.js';
import type { HostFacts } from '../novafile/semantics.js';
import { formatSize } from '../novafile/units.js';
import { ensureStoragePool } from '../storage/ensure-pool.js';
import { type CatalogOptions, loadCatalogReport } from './catalog.js';
import { downloadFile, type DownloadProgress } from './download.js';
import type { TrustStore } from './trust.js';
import {
  type CatalogEntry,
  type ContainerStackTemplate,
  failedChecks,
  type Provenance,
  type ProvenanceCheckName,
  type VmTemplate,
} from './types.js';
import { checkChecksum, checkSignature } from './verify.js';

const run = promisify(execFile);

export const DEFAULT_TEMPLATE_POOL = DEFAULT_POOL_NAME;

export interface DeployOptions extends CatalogOptions {
  id: string;
  /** The VM's name, or the stack's prefix. */
  name: string;
  /** The NovaFile to write (created if missing). */
  novaFile: string;
  pool?: string;
  network?: string;
  cpu?: number;
  /** Bytes. */
  memory?: number;
  /** Bytes: the system disk grows to this size (never shrinks). */
  disk?: number;
  accelerator?: 'auto' | 'kvm' | 'tcg';
  /** Public keys for cloud-init (VM templates that support it). */
  sshAuthorizedKeys?: string[];
  /** Deploy even though these checks failed: the person consented. */
  allowUnverified?: boolean;
  /** Where downloads (and their .partial files) go (default ~/.cache/nova/templates). */
  cacheDir?: string;
  /** Download attempts (each resumes the last), default 4. */
  attempts?: number;
  onEvent?: (event: DeployEvent) => void;
}

export type DeployEvent =
  | { type: 'step'; message: string }
  | ({ type: 'progress' } & DownloadProgress)
  | { type: 'check'; check: ProvenanceCheckName; status: string; detail: string };

export interface DeployResult {
  template: string;
  kind: 'vm' | 'container-stack';
  name: string;
  novaFile: string;
  /** The NovaFile tables written, dotted: "vm.web", "container.lamp-db". */
  sections: string[];
  provenance: Provenance;
  failedChecks: ProvenanceCheckName[];
  /** The person consented to deploy despite failedChecks. */
  consented: boolean;
  volume?: { pool: string; name: string; path: string; format: string; sizeBytes: number };
  download?: { bytes: number; attempts: number; resumedAt: number[] };
}

export interface DeployDeps {
  helper: HelperCall;
  /** The host's networks, so that the section may name a libvirt network or a bridge. */
  hostFacts?: () => Promise<{ facts: HostFacts; warnings: string[] }>;
}

function cacheDirDefault(): string {
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'nova', 'templates');
}

function refuse(id: string, provenance: Provenance, checks: ProvenanceCheckName[], stage: string): NovaError {
  return new NovaError(
    'invalid-input',
    `template "${id}" ${stage}: ${checks.map((check) => `${check} check failed: ${provenance[check].detail}`).join('; ')}`,
    `Nothing was deployed. To deploy it anyway, pass --allow-unverified (you accept: ${checks.join(', ')}).`,
  );
}

async function readModel(
  path: string,
  host: HostFacts | undefined,
): Promise<{ model: NovaFileModel; created: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NovaError('failed', `cannot read ${path}: ${(err as Error).message}`);
    }
    return { model: readNovaFileOrThrow('', path, host), created: true };
  }
  return { model: readNovaFileOrThrow(text, path, host), created: false };
}

function readNovaFileOrThrow(text: string, path: string, host: HostFacts | undefined): NovaFileModel {
  const result = readNovaFile(text, { file: path, ...(host === undefined ? {} : { host }) });
  if (!result.ok) {
    throw new NovaError(
      'invalid-input',
      `${path} has errors; fix them before deploying into it: ${result.errors
        .slice(0, 3)
        .map((error) => `${String(error.line)}:${String(error.column)} ${error.message}`)
        .join('; ')}`,
    );
  }
  return result.model;
}

/** Writes the edits: into the existing file, or a new file made just for them (removed on failure). */
async function writeSections(
  path: string,
  created: boolean,
  edits: NovaFileEdit[],
  host: HostFacts | undefined,
  secret = false,
): Promise<void> {
  const options = host === undefined ? {} : { host };
  if (!created) {
    await updateNovaFile(path, edits, options);
    // Generated passwords went in: only the file's owner may read it from now on.
    if (secret) {
      const mode = (await stat(path)).mode & 0o7777;
      if ((mode & 0o077) !== 0) await chmod(path, mode & ~0o077);
    }
    return;
  }
  await writeFileAtomic(path, '# NovaFile written by `nova template deploy`\n', secret ? 0o600 : 0o644);
  try {
    await updateNovaFile(path, edits, options);
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}

function checkNames(options: DeployOptions): void {
  if (!NAME_PATTERN.test(options.name)) {
    throw new NovaError('invalid-input', `"${options.name}" is not a valid name`, `A name is ${NAME_RULE}.`);
  }
  const pool = options.pool ?? DEFAULT_TEMPLATE_POOL;
  if (!NAME_PATTERN.test(pool)) {
    throw new NovaError(
      'invalid-input',
      `"${pool}" is not a valid storage pool name`,
      `A name is ${NAME_RULE}.`,
    );
  }
}

async function imageVirtualSize(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('qemu-img', ['info', '--output=json', '--force-share', path], {
      timeout: 30_000,
    });
    const parsed = JSON.parse(stdout) as { 'virtual-size'?: unknown };
    return typeof parsed['virtual-size'] === 'number' ? parsed['virtual-size'] : undefined;
  } catch {
    return undefined;
  }
}

async function deployVm(
  deps: DeployDeps,
  entry: CatalogEntry & { template: VmTemplate },
  options: DeployOptions,
  model: NovaFileModel,
  created: boolean,
  host: HostFacts | undefined,
  /** The keys the catalog was checked with (loadCatalogReport): the image's signature is checked with them too. */
  trust: TrustStore,
): Promise<DeployResult> {
  const template = entry.template;
  const emit = options.onEvent ?? (() => undefined);
  const provenance: Provenance = { ...entry.provenance };
  const extension = template.image.format === 'raw' ? 'img' : 'qcow2';
  const volumeName = `${options.name}.${extension}`;
  const cache = options.cacheDir ?? cacheDirDefault();
  const downloaded = join(
    cache,
    `${template.id}-${template.version.replace(/[^A-Za-z0-9._-]/g, '_')}.${extension}`,
  );

  // Consent covers a template whose checks failed, never a registry on the network making Nova read
  // this host's files: that is refused outright.
  if (entry.registry.kind === 'http' && template.image.url.startsWith('file:')) {
    throw new NovaError(
      'invalid-input',
      `template "${template.id}" comes from ${entry.registry.location} but names a file of this host (${template.image.url})`,
      'A registry on the network may only name images on the network (https); nothing was downloaded.',
    );
  }
  const project = projectName(model, dirname(resolve(options.novaFile)));
  // Before the download: a pool that is not there is found before the bytes are fetched.
  const { name: pool } = await ensureStoragePool(
    deps.helper,
    options.pool ?? DEFAULT_TEMPLATE_POOL,
    (message) => {
      emit({ type: 'step', message });
    },
    { project },
  );
  emit({ type: 'step', message: `downloading ${template.image.url}` });
  let download;
  try {
    download = await downloadFile({
      url: template.image.url,
      dest: downloaded,
      ...(template.image.size === undefined ? {} : { expectedSize: template.image.size }),
      ...(options.attempts === undefined ? {} : { attempts: options.attempts }),
      onProgress: (progress) => {
        emit({ type: 'progress', ...progress });
      },
    });
  } catch (err) {
    throw new NovaError('failed', `cannot download ${template.image.url}: ${(err as Error).message}`);
  }
  try {
    emit({ type: 'step', message: 'verifying the checksum' });
    provenance.checksum = await checkChecksum(template, downloaded);
    emit({ type: 'check', check: 'checksum', ...provenance.checksum });
    emit({ type: 'step', message: 'verifying the signature' });
    provenance.signature = await checkSignature(template, downloaded, trust);
    emit({ type: 'check', check: 'signature', ...provenance.signature });
  } catch (err) {
    await rm(downloaded, { force: true });
    throw err;
  }
  const failed = failedChecks(provenance);
  if (failed.length > 0 && options.allowUnverified !== true) {
    // A verified-bad file is of no use to anyone: it goes, never into a pool.
    await rm(downloaded, { force: true });
    throw refuse(template.id, provenance, failed, 'was refused after download');
  }

  emit({ type: 'step', message: `copying the image into storage pool ${pool} as ${volumeName}` });
  let volume;
  try {
    volume = await deps.helper('UploadVolume', {
      project,
      pool,
      name: volumeName,
      source: downloaded,
      format: template.image.format,
    });
  } catch (err) {
    const error = err instanceof NovaError ? err : new NovaError('failed', (err as Error).message);
    throw new NovaError(
      error.code,
      `cannot copy the image into storage pool "${pool}": ${error.message}`,
      error.detail ?? `the verified download stays in ${downloaded}`,
    );
  }
  await rm(downloaded, { force: true });
  const undoVolume = async () => {
    await deps.helper('DeleteVolume', { project, pool, name: volumeName }).catch(() => undefined);
  };
  const section = `vm.${options.name}`;
  try {
    const wanted = options.disk ?? template.defaults.disk_size;
    const virtual = await imageVirtualSize(volume.path);
    if (virtual !== undefined && wanted > virtual) {
      emit({ type: 'step', message: `growing the disk to ${formatSize(wanted)}` });
      await deps.helper('ResizeVolume', { project, pool, name: volumeName, capacityBytes: wanted });
    }
    const cloudInit = template.defaults.cloud_init
      ? {
          cloud_init: {
            hostname: options.name.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63),
            ...(template.defaults.cloud_init_user_data === undefined
              ? {}
              : { user_data: template.defaults.cloud_init_user_data }),
            ...(options.sshAuthorizedKeys === undefined || options.sshAuthorizedKeys.length === 0
              ? {}
              : { ssh_authorized_keys: options.sshAuthorizedKeys }),
          },
        }
      : {};
    const firmware =
      template.defaults.firmware === 'uefi'
        ? { firmware: { boot_type: 'uefi', secure_boot: template.defaults.secure_boot } }
        : {};
    emit({ type: 'step', message: `writing [${section}] into ${options.novaFile}` });
    await writeSections(
      options.novaFile,
      created,
      [
        {
          op: 'setTable',
          path: ['vm', options.name],
          entries: {
            image: volume.path,
            cpu: options.cpu ?? template.defaults.cpu,
            memory: formatSize(options.memory ?? template.defaults.memory),
            ...(options.accelerator === undefined ? {} : { accelerator: options.accelerator }),
            network: options.network ?? 'default',
            ...(template.image.format === 'raw' ? { storage: { format: 'raw' } } : {}),
            ...firmware,
            ...cloudInit,
          },
        },
      ],
      host,
    );
  } catch (err) {
    await undoVolume();
    throw err;
  }
  return {
    template: template.id,
    kind: 'vm',
    name: options.name,
    novaFile: options.novaFile,
    sections: [section],
    provenance,
    failedChecks: failed,
    consented: failed.length > 0,
    volume: { pool, name: volumeName, ...volume },
    download: { bytes: download.bytes, attempts: download.attempts, resumedAt: download.resumedAt },
  };
}

/** The stack's tables with the deployment's names: "<name>-<container>", "<name>-<network>", "<name>-<volume>". */
export function stackEdits(
  template: ContainerStackTemplate,
  name: string,
  password: string,
): {
  edits: NovaFileEdit[];
  sections: string[];
} {
  const prefixed = (local: string) => `${name}-${local}`;
  const volumes = new Set(template.volumes);
  const networks = new Set(Object.keys(template.networks));
  const substitute = (value: string) =>
    value.replaceAll('{{name}}', name).replaceAll('{{generated-password}}', password);
  const edits: NovaFileEdit[] = [];
  const sections: string[] = [];
  for (const [local, network] of Object.entries(template.networks)) {
    edits.push({ op: 'setTable', path: ['network', prefixed(local)], entries: network });
    sections.push(`network.${prefixed(local)}`);
  }
  for (const [local, raw] of Object.entries(template.containers)) {
    const container: Record<string, unknown> = { ...raw };
    if (typeof container['network'] === 'string' && networks.has(container['network'])) {
      container['network'] = prefixed(container['network']);
    }
    if (Array.isArray(container['volumes'])) {
      container['volumes'] = container['volumes'].map((volume: unknown) => {
        if (typeof volume !== 'string') return volume;
        const [source = '', ...rest] = volume.split(':');
        return volumes.has(source) ? [prefixed(source), ...rest].join(':') : volume;
      });
    }
    const env = container['env'];
    if (typeof env === 'object' && env !== null) {
      container['env'] = Object.fromEntries(
        Object.entries(env as Record<string, unknown>).map(([key, value]) => [
          key,
          typeof value === 'string' ? substitute(value) : value,
        ]),
      );
    }
    edits.push({ op: 'setTable', path: ['container', prefixed(local)], entries: container });
    sections.push(`container.${prefixed(local)}`);
  }
  return { edits, sections };
}

async function deployStack(
  entry: CatalogEntry & { template: ContainerStackTemplate },
  options: DeployOptions,
  model: NovaFileModel,
  created: boolean,
  host: HostFacts | undefined,
): Promise<DeployResult> {
  const password = randomBytes(18).toString('base64url');
  const { edits, sections } = stackEdits(entry.template, options.name, password);
  const secret = JSON.stringify(entry.template.containers).includes('{{generated-password}}');
  const taken = sections.filter((section) => {
    const [table = '', name = ''] = section.split(/\.(.*)/s);
    return name in (table === 'network' ? model.network : model.container);
  });
  if (taken.length > 0) {
    throw new NovaError(
      'conflict',
      `${options.novaFile} has ${taken.map((section) => `[${section}]`).join(', ')} already`,
      'Choose another --name.',
    );
  }
  options.onEvent?.({
    type: 'step',
    message: `writing ${sections.map((s) => `[${s}]`).join(', ')} into ${options.novaFile}`,
  });
  await writeSections(options.novaFile, created, edits, host, secret);
  if (secret)
    options.onEvent?.({
      type: 'step',
      message: `${options.novaFile} holds generated passwords: it is readable by its owner only`,
    });
  return {
    template: entry.template.id,
    kind: 'container-stack',
    name: options.name,
    novaFile: options.novaFile,
    sections,
    provenance: entry.provenance,
    failedChecks: entry.failedChecks,
    consented: entry.failedChecks.length > 0,
  };
}

/** Deploys a template into the NovaFile (and, for a VM, its image into a storage pool). */
export async function deployTemplate(deps: DeployDeps, options: DeployOptions): Promise<DeployResult> {
  checkNames(options);
  const report = await loadCatalogReport(options);
  const entry = report.entries.find((candidate) => candidate.template.id === options.id);
  if (entry === undefined) {
    throw new NovaError(
      'not-found',
      `no template "${options.id}"${report.problems.length > 0 ? ` (${report.problems.join('; ')})` : ''}`,
      'See `nova template list`.',
    );
  }
  if (entry.failedChecks.length > 0 && options.allowUnverified !== true) {
    throw refuse(
      entry.template.id,
      entry.provenance,
      entry.failedChecks,
      'cannot be deployed without your consent',
    );
  }
  const host = deps.hostFacts === undefined ? undefined : (await deps.hostFacts()).facts;
  const { model, created } = await readModel(options.novaFile, host);
  if (entry.template.kind === 'vm') {
    if (options.name in model.vm) {
      throw new NovaError(
        'conflict',
        `${options.novaFile} has a [vm.${options.name}] already`,
        'Choose another --name.',
      );
    }
    return deployVm(
      deps,
      { ...entry, template: entry.template },
      options,
      model,
      created,
      host,
      report.trust,
    );
  }
  return deployStack({ ...entry, template: entry.template }, options, model, created, host);
}
