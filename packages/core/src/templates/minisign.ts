// minisign signatures, verified with node:crypto's Ed25519 (no minisign binary needed at run time).
//
// A public key is two lines: "untrusted comment: …" and base64 of
//   "Ed" (2 bytes) ‖ key id (8 bytes) ‖ Ed25519 public key (32 bytes).
// A signature file is four lines: "untrusted comment: …", base64 of
//   algorithm (2 bytes: "Ed" = over the file, "ED" = over BLAKE2b-512 of the file) ‖ key id (8) ‖ signature (64),
// "trusted comment: <text>", and base64 of the global signature (64 bytes) over signature ‖ <text>.
// minisign shows a key id as the 8 bytes read as a little-endian number in upper-case hex.
// Legacy "Ed" signatures (minisign -l, or minisign before 0.8) are refused unless allowed.
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';

export interface MinisignPublicKey {
  /** As minisign prints it: upper-case hex, without leading zeros. */
  keyId: string;
  key: KeyObject;
}

export interface MinisignSignature {
  algorithm: 'Ed' | 'ED';
  keyId: string;
  signature: Buffer;
  trustedComment: string;
  globalSignature: Buffer;
}

export class MinisignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MinisignError';
  }
}

/** The largest file verified against a legacy ("Ed", not prehashed) signature, which needs it in memory. */
const LEGACY_MAX_BYTES = 256 * 1024 * 1024;

/** Why a legacy signature is refused unless templates.toml allows it. */
export const LEGACY_SIGNATURE_REFUSED =
  'legacy minisign signature (Ed): sign with minisign ≥0.8 default prehashed mode, or allow legacy signatures in templates.toml (allow_legacy_minisign = true)';

export interface MinisignVerifyOptions {
  /** Accept legacy ("Ed", not prehashed) signatures (templates.toml allow_legacy_minisign; default false). */
  allowLegacy?: boolean;
}

/** Refuses a legacy ("Ed") signature unless legacy signatures are allowed. */
export function refuseLegacySignature(
  signature: MinisignSignature,
  options: MinisignVerifyOptions = {},
): void {
  if (signature.algorithm === 'Ed' && options.allowLegacy !== true) {
    throw new MinisignError(LEGACY_SIGNATURE_REFUSED);
  }
}

function keyIdHex(bytes: Buffer): string {
  return normalizeKeyId(Buffer.from(bytes).reverse().toString('hex'));
}

/** A key id as minisign prints it ("%llX": upper case, no leading zeros), from any spelling of it. */
export function normalizeKeyId(hex: string): string {
  const trimmed = hex.toUpperCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

function decodeBase64Line(line: string, length: number, what: string): Buffer {
  const trimmed = line.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new MinisignError(`${what} is not base64`);
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== length) {
    throw new MinisignError(`${what} has ${String(bytes.length)} bytes, expected ${String(length)}`);
  }
  return bytes;
}

function lines(text: string): string[] {
  return text.replace(/\r\n/g, '\n').split('\n');
}

/** Reads a public key: the file minisign -G writes, or just its base64 line. */
export function parseMinisignPublicKey(text: string): MinisignPublicKey {
  const all = lines(text).filter((line) => line.trim() !== '');
  const keyLine = all.find((line) => !line.startsWith('untrusted comment:'));
  if (keyLine === undefined) throw new MinisignError('no public key line');
  const bytes = decodeBase64Line(keyLine, 42, 'the public key');
  if (bytes.subarray(0, 2).toString('latin1') !== 'Ed') {
    throw new MinisignError('not an Ed25519 minisign public key (it should start with "Ed")');
  }
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: bytes.subarray(10, 42).toString('base64url') },
    format: 'jwk',
  });
  return { keyId: keyIdHex(bytes.subarray(2, 10)), key };
}

/** Reads a .minisig file. */
export function parseMinisignSignature(text: string): MinisignSignature {
  const all = lines(text);
  while (all.length > 0 && all[all.length - 1]?.trim() === '') all.pop();
  if (all.length !== 4) {
    throw new MinisignError(`a minisign signature has 4 lines, this one has ${String(all.length)}`);
  }
  const [untrusted = '', signatureLine = '', trustedLine = '', globalLine = ''] = all;
  if (!untrusted.startsWith('untrusted comment:')) {
    throw new MinisignError('line 1 should start with "untrusted comment:"');
  }
  const bytes = decodeBase64Line(signatureLine, 74, 'the signature (line 2)');
  const algorithm = bytes.subarray(0, 2).toString('latin1');
  if (algorithm !== 'Ed' && algorithm !== 'ED') {
    throw new MinisignError(`unknown signature algorithm "${algorithm}" (expected "Ed" or "ED")`);
  }
  const prefix = 'trusted comment: ';
  if (!trustedLine.startsWith(prefix))
    throw new MinisignError('line 3 should start with "trusted comment: "');
  return {
    algorithm,
    keyId: keyIdHex(bytes.subarray(2, 10)),
    signature: bytes.subarray(10, 74),
    trustedComment: trustedLine.slice(prefix.length),
    globalSignature: decodeBase64Line(globalLine, 64, 'the global signature (line 4)'),
  };
}

/** Checks the trusted comment's signature: needs only the signature file and the key. */
export function verifyTrustedComment(signature: MinisignSignature, publicKey: MinisignPublicKey): void {
  if (signature.keyId !== publicKey.keyId) {
    throw new MinisignError(`signed with key ${signature.keyId}, not with key ${publicKey.keyId}`);
  }
  const signed = Buffer.concat([signature.signature, Buffer.from(signature.trustedComment, 'utf8')]);
  if (!verify(null, signed, publicKey.key, signature.globalSignature)) {
    throw new MinisignError('the trusted comment’s signature is invalid (the comment was altered)');
  }
}

async function blake2b512File(path: string): Promise<Buffer> {
  const hash = createHash('blake2b512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest();
}

/**
 * Verifies a file against a minisign signature and key; throws MinisignError saying why not. Legacy
 * ("Ed") signatures are refused unless `options.allowLegacy`.
 */
export async function verifyMinisignFile(
  path: string,
  signature: MinisignSignature,
  publicKey: MinisignPublicKey,
  options: MinisignVerifyOptions = {},
): Promise<void> {
  refuseLegacySignature(signature, options);
  if (signature.keyId !== publicKey.keyId) {
    throw new MinisignError(
      `signed with key ${signature.keyId}, not with the trusted key ${publicKey.keyId}`,
    );
  }
  let message: Buffer;
  if (signature.algorithm === 'ED') {
    message = await blake2b512File(path);
  } else {
    if ((await stat(path)).size > LEGACY_MAX_BYTES) {
      throw new MinisignError('legacy (not prehashed) signatures are accepted only for files up to 256 MiB');
    }
    message = await readFile(path);
  }
  if (!verify(null, message, publicKey.key, signature.signature)) {
    throw new MinisignError(
      'the signature does not match the file (it was altered or signed by someone else)',
    );
  }
  verifyTrustedComment(signature, publicKey);
}
