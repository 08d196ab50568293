// What can be said about a template before anything is downloaded: where it comes from (source),
// whether its publisher's key is trusted (publisher), and for minisign whether the signature file was
// made by that key (signature; the file itself is verified after download, with the checksum).

import { isLoopback } from '../util/loopback.js';
import { fetchText } from './fetch.js';
import {
  MinisignError,
  normalizeKeyId,
  parseMinisignSignature,
  refuseLegacySignature,
  verifyTrustedComment,
} from './minisign.js';
import { findMinisignKey, hasSshIdentity, type TrustStore } from './trust.js';
import type { RegistryInfo } from './types.js';
import { type Provenance, type ProvenanceCheck, type Template } from './types.js';

const passed = (detail: string): ProvenanceCheck => ({ status: 'passed', detail });
const failed = (detail: string): ProvenanceCheck => ({ status: 'failed', detail });
const pending = (detail: string): ProvenanceCheck => ({ status: 'pending', detail });
const notApplicable = (detail: string): ProvenanceCheck => ({ status: 'not-applicable', detail });

/** SSH signatures are always verified in this namespace (ssh-keygen -Y sign/verify -n). */
export const SSH_NAMESPACE = 'nova-template';

/** Why a template's SSH signature namespace is refused, or undefined when it is Nova's. */
export function sshNamespaceProblem(template: Template): string | undefined {
  const namespace = template.signature?.namespace;
  if (template.signature?.type !== 'ssh' || namespace === undefined || namespace === SSH_NAMESPACE) {
    return undefined;
  }
  return `signature namespace "${namespace}" is refused: Nova verifies SSH signatures only in the namespace "${SSH_NAMESPACE}" (sign with ssh-keygen -Y sign -n ${SSH_NAMESPACE})`;
}

function locationIsLoopback(location: string): boolean {
  try {
    return isLoopback(new URL(location).hostname);
  } catch {
    return false;
  }
}

/**
 * Why a URL is or is not a trustworthy place to fetch from: https, a local file, or loopback http. A
 * registry fetched over http(s) may name only https URLs, or loopback http when it is itself on this
 * host: a file: URL (or this host's loopback) named by a registry on the network is refused.
 */
export function judgeUrl(url: string, registry?: RegistryInfo): { ok: boolean; detail: string } {
  const parsed = new URL(url);
  const remote = registry?.kind === 'http';
  if (parsed.protocol === 'https:') return { ok: true, detail: `https from ${parsed.host}` };
  if (parsed.protocol === 'file:') {
    if (remote) {
      return {
        ok: false,
        detail: `${url} is a local file named by a registry fetched over the network (${registry.location}), which may name only https URLs (or http on this host's loopback)`,
      };
    }
    return { ok: true, detail: `local file ${decodeURIComponent(parsed.pathname)}` };
  }
  if (parsed.protocol === 'http:' && isLoopback(parsed.hostname)) {
    if (remote && !locationIsLoopback(registry.location)) {
      return {
        ok: false,
        detail: `http on this host's loopback, named by a registry that is not on this host (${registry.location}): it may name only https URLs`,
      };
    }
    return { ok: true, detail: `http on this host's loopback (${parsed.host})` };
  }
  return {
    ok: false,
    detail: `plain ${parsed.protocol.replace(':', '')} from ${parsed.host}: anyone on the way can change it`,
  };
}

export function sourceCheck(template: Template, registry: RegistryInfo): ProvenanceCheck {
  const urls: { what: string; url: string }[] = [];
  if (registry.kind === 'http') urls.push({ what: 'index', url: registry.location });
  if (template.kind === 'vm') {
    urls.push({ what: 'image', url: template.image.url });
    if (template.image.sha256sums_url !== undefined) {
      urls.push({ what: 'SHA256SUMS', url: template.image.sha256sums_url });
    }
    if (template.image.sha512sums_url !== undefined) {
      urls.push({ what: 'SHA512SUMS', url: template.image.sha512sums_url });
    }
  }
  if (template.signature?.url !== undefined) urls.push({ what: 'signature', url: template.signature.url });
  const judged = urls.map((entry) => ({ ...entry, ...judgeUrl(entry.url, registry) }));
  const bad = judged.filter((entry) => !entry.ok);
  if (bad.length > 0) return failed(bad.map((entry) => `${entry.what}: ${entry.detail}`).join('; '));
  const origin =
    registry.kind === 'builtin' ? 'built-in template shipped with Nova' : `registry ${registry.location}`;
  const image = judged.find((entry) => entry.what === 'image');
  return passed(image === undefined ? origin : `${image.detail} (${origin})`);
}

export function publisherCheck(
  template: Template,
  registry: RegistryInfo,
  trust: TrustStore,
): ProvenanceCheck {
  const { publisher } = template;
  if (template.kind === 'container-stack' && registry.kind === 'builtin') {
    return passed(`${publisher.name}: the stack's definition ships with Nova`);
  }
  if (publisher.key === undefined) {
    return failed(`${publisher.name} (${publisher.id}) names no key Nova can verify (minisign or SSH)`);
  }
  const [type, value = ''] = publisher.key.split(/:(.*)/s);
  if (type === 'minisign') {
    const key = findMinisignKey(trust, value);
    return key === undefined
      ? failed(
          `${publisher.name}'s minisign key ${normalizeKeyId(value)} is not in your trust store (${trust.dir})`,
        )
      : passed(`${publisher.name}: minisign key ${key.keyId} is trusted (${key.file})`);
  }
  return hasSshIdentity(trust, value)
    ? passed(
        `${publisher.name}: SSH signer "${value}" is in ${trust.allowedSignersFile ?? 'allowed_signers'}`,
      )
    : failed(`${publisher.name}'s SSH signer "${value}" is not in ${trust.dir}/allowed_signers`);
}

export function checksumCheck(template: Template): ProvenanceCheck {
  if (template.kind === 'container-stack') {
    return notApplicable('nothing is downloaded from the registry: the engine pulls the images by name');
  }
  return template.image.sha256 !== undefined
    ? pending(`sha256 ${template.image.sha256} is checked after download`)
    : pending(
        `the checksum is read from the publisher's list ${template.image.sha256sums_url ?? template.image.sha512sums_url ?? ''} at deploy time and checked after download`,
      );
}

export interface SignatureCheckOptions {
  /** Fetch minisign signatures now and check their key and trusted comment (default true). */
  fetchSignatures?: boolean;
}

/** Reads the signature file's text (inline, or fetched). */
export async function signatureText(template: Template): Promise<string> {
  const signature = template.signature;
  if (signature === undefined) throw new Error('the template is unsigned');
  if (signature.inline !== undefined) return signature.inline;
  return fetchText(signature.url ?? '');
}

export async function signatureCheck(
  template: Template,
  trust: TrustStore,
  options: SignatureCheckOptions = {},
): Promise<ProvenanceCheck> {
  const signature = template.signature;
  if (template.kind === 'container-stack' && signature === undefined) {
    return notApplicable('a container stack downloads no file to verify');
  }
  if (signature === undefined) {
    return failed(
      `unsigned: ${template.publisher.name} provides no minisign or SSH signature for this image`,
    );
  }
  const keyType = template.publisher.key?.split(':')[0];
  if (keyType !== undefined && keyType !== signature.type) {
    return failed(`signed with ${signature.type} but the publisher's key is a ${keyType} key`);
  }
  if (signature.type === 'ssh') {
    const namespaceProblem = sshNamespaceProblem(template);
    if (namespaceProblem !== undefined) return failed(namespaceProblem);
    const identity = template.publisher.key?.slice('ssh:'.length) ?? template.publisher.id;
    if (!hasSshIdentity(trust, identity)) {
      return failed(`SSH signature by "${identity}", who is not in your allowed_signers (unknown key)`);
    }
    return pending(`SSH signature by "${identity}" is verified with ssh-keygen -Y verify after download`);
  }
  if (options.fetchSignatures === false) return pending('the minisign signature is verified after download');
  let parsed;
  try {
    parsed = parseMinisignSignature(await signatureText(template));
  } catch (err) {
    return failed(
      err instanceof MinisignError
        ? `signature invalid: ${err.message}`
        : `cannot fetch the signature: ${(err as Error).message}`,
    );
  }
  const key = findMinisignKey(trust, parsed.keyId);
  if (key === undefined) {
    return failed(`signed by minisign key ${parsed.keyId}, which is not in your trust store (unknown key)`);
  }
  const publisherKey = template.publisher.key?.slice('minisign:'.length);
  const expected = publisherKey === undefined ? undefined : normalizeKeyId(publisherKey);
  if (expected !== undefined && expected !== parsed.keyId) {
    return failed(`signed by key ${parsed.keyId}, but the publisher's key is ${expected}`);
  }
  try {
    refuseLegacySignature(parsed, { allowLegacy: trust.allowLegacyMinisign === true });
    verifyTrustedComment(parsed, key);
  } catch (err) {
    return failed(`signature invalid: ${(err as Error).message}`);
  }
  return pending(
    `minisign signature by trusted key ${parsed.keyId} ("${parsed.trustedComment}"); the image is verified after download`,
  );
}

/**
 * What can be checked before download. The source is checked first: nothing of a template whose
 * source check fails is fetched.
 */
export async function initialProvenance(
  template: Template,
  registry: RegistryInfo,
  trust: TrustStore,
  options: SignatureCheckOptions = {},
): Promise<Provenance> {
  const source = sourceCheck(template, registry);
  const signature =
    source.status === 'failed' && template.signature?.url !== undefined
      ? failed('not fetched: the template failed its source check')
      : await signatureCheck(template, trust, options);
  return {
    checksum: checksumCheck(template),
    signature,
    publisher: publisherCheck(template, registry, trust),
    source,
  };
}
