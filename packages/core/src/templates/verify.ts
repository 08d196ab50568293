// The checks made on a downloaded image: its checksum, and its signature (minisign in TypeScript,
// SSH signatures with `ssh-keygen -Y verify`).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fetchText } from './fetch.js';
import { MinisignError, normalizeKeyId, parseMinisignSignature, verifyMinisignFile } from './minisign.js';
import { signatureText, SSH_NAMESPACE, sshNamespaceProblem } from './provenance.js';
import { findMinisignKey, hasSshIdentity, type TrustStore } from './trust.js';
import type { ProvenanceCheck, VmTemplate } from './types.js';

export type HashAlgorithm = 'sha256' | 'sha512';

export async function hashFile(path: string, algorithm: HashAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Finds a file's sum in a checksum list: GNU ("<hex>  name", "<hex> *name") or BSD
 * ("SHA256 (name) = <hex>") lines; OpenPGP armour lines around them are skipped.
 */
export function findSum(list: string, fileName: string, algorithm: HashAlgorithm): string | undefined {
  const length = algorithm === 'sha256' ? 64 : 128;
  for (const raw of list.split('\n')) {
    const line = raw.trim();
    const gnu = /^([0-9a-fA-F]+) [ *]?(.+)$/.exec(line);
    if (gnu?.[1]?.length === length && gnu[2]?.replace(/^\.\//, '') === fileName) return gnu[1].toLowerCase();
    const bsd = /^(SHA256|SHA512) \((.+)\) = ([0-9a-fA-F]+)$/.exec(line);
    if (bsd?.[1]?.toLowerCase() === algorithm && bsd[2] === fileName && bsd[3]?.length === length) {
      return bsd[3].toLowerCase();
    }
  }
  return undefined;
}

/** The checksum the image must have: the template's, or its publisher's list's. */
export async function expectedChecksum(
  template: VmTemplate,
): Promise<{ algorithm: HashAlgorithm; hex: string; from: string }> {
  const { image } = template;
  if (image.sha256 !== undefined) return { algorithm: 'sha256', hex: image.sha256, from: 'the template' };
  const listUrl = image.sha256sums_url ?? image.sha512sums_url ?? '';
  const algorithm: HashAlgorithm = image.sha256sums_url === undefined ? 'sha512' : 'sha256';
  const fileName = decodeURIComponent(new URL(image.url).pathname.split('/').pop() ?? '');
  const list = await fetchText(listUrl);
  const hex = findSum(list, fileName, algorithm);
  if (hex === undefined) throw new Error(`${listUrl} lists no ${algorithm} for ${fileName}`);
  return { algorithm, hex, from: listUrl };
}

export async function checkChecksum(template: VmTemplate, file: string): Promise<ProvenanceCheck> {
  let expected;
  try {
    expected = await expectedChecksum(template);
  } catch (err) {
    return { status: 'failed', detail: `cannot get the expected checksum: ${(err as Error).message}` };
  }
  const actual = await hashFile(file, expected.algorithm);
  return actual === expected.hex
    ? { status: 'passed', detail: `${expected.algorithm} ${actual} matches ${expected.from}` }
    : {
        status: 'failed',
        detail: `checksum mismatch: the download's ${expected.algorithm} is ${actual}, ${expected.from} says ${expected.hex}`,
      };
}

export { SSH_NAMESPACE } from './provenance.js';

function runSshKeygen(args: string[], input: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('ssh-keygen', args, { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
    const stream = createReadStream(input);
    stream.on('error', () => child.stdin?.destroy());
    child.stdin?.on('error', () => undefined);
    if (child.stdin !== null) stream.pipe(child.stdin);
  });
}

/**
 * Verifies an SSH signature of file with ssh-keygen -Y verify against the trust store's allowed_signers.
 * Templates are always verified in SSH_NAMESPACE ("nova-template"), whatever they declare.
 */
export async function verifySshSignature(
  file: string,
  signature: string,
  identity: string,
  trust: TrustStore,
): Promise<ProvenanceCheck> {
  if (trust.allowedSignersFile === undefined || !hasSshIdentity(trust, identity)) {
    return { status: 'failed', detail: `unknown key: "${identity}" is not in ${trust.dir}/allowed_signers` };
  }
  const dir = await mkdtemp(join(tmpdir(), 'nova-sshsig-'));
  try {
    const sigFile = join(dir, 'image.sig');
    await writeFile(sigFile, signature, { mode: 0o600 });
    const result = await runSshKeygen(
      ['-Y', 'verify', '-f', trust.allowedSignersFile, '-I', identity, '-n', SSH_NAMESPACE, '-s', sigFile],
      file,
    );
    return result.code === 0
      ? {
          status: 'passed',
          detail: `SSH signature by "${identity}" verified (${result.output.split('\n')[0] ?? ''})`,
        }
      : {
          status: 'failed',
          detail: `signature invalid: ssh-keygen -Y verify: ${result.output.split('\n')[0] ?? `exit ${String(result.code)}`}`,
        };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Verifies the downloaded image against the template's signature and the trust store. */
export async function checkSignature(
  template: VmTemplate,
  file: string,
  trust: TrustStore,
): Promise<ProvenanceCheck> {
  const signature = template.signature;
  if (signature === undefined) {
    return {
      status: 'failed',
      detail: `unsigned: ${template.publisher.name} provides no minisign or SSH signature for this image`,
    };
  }
  const namespaceProblem = sshNamespaceProblem(template);
  if (namespaceProblem !== undefined) return { status: 'failed', detail: namespaceProblem };
  let text: string;
  try {
    text = await signatureText(template);
  } catch (err) {
    return { status: 'failed', detail: `cannot fetch the signature: ${(err as Error).message}` };
  }
  if (signature.type === 'ssh') {
    const identity =
      template.publisher.key?.startsWith('ssh:') === true
        ? template.publisher.key.slice(4)
        : template.publisher.id;
    return verifySshSignature(file, text, identity, trust);
  }
  try {
    const parsed = parseMinisignSignature(text);
    const key = findMinisignKey(trust, parsed.keyId);
    if (key === undefined) {
      return {
        status: 'failed',
        detail: `unknown key: signed by minisign key ${parsed.keyId}, which is not in your trust store`,
      };
    }
    const expected =
      template.publisher.key?.startsWith('minisign:') === true
        ? normalizeKeyId(template.publisher.key.slice(9))
        : undefined;
    if (expected !== undefined && expected !== parsed.keyId) {
      return {
        status: 'failed',
        detail: `signed by key ${parsed.keyId}, but the publisher's key is ${expected}`,
      };
    }
    await verifyMinisignFile(file, parsed, key, { allowLegacy: trust.allowLegacyMinisign === true });
    return {
      status: 'passed',
      detail: `minisign signature by trusted key ${parsed.keyId} verified ("${parsed.trustedComment}")`,
    };
  } catch (err) {
    if (err instanceof MinisignError)
      return { status: 'failed', detail: `signature invalid: ${err.message}` };
    throw err;
  }
}
