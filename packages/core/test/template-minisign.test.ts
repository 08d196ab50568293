// Nova's minisign verifier (TypeScript, node:crypto) against keys and signatures made by the real
// minisign binary: prehashed signatures verify, legacy ones only when allowed; a changed file, a changed trusted comment,
// another key and broken signature files are refused with the reason.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  MinisignError,
  normalizeKeyId,
  parseMinisignPublicKey,
  parseMinisignSignature,
  verifyMinisignFile,
  verifyTrustedComment,
} from '../src/templates/minisign.js';

const run = promisify(execFile);
let dir: string;

async function minisign(args: string[]): Promise<void> {
  await run('minisign', args, { cwd: dir });
}

async function keyPair(name: string): Promise<{ pub: string; sec: string }> {
  const pub = join(dir, `${name}.pub`);
  const sec = join(dir, `${name}.key`);
  await minisign(['-G', '-p', pub, '-s', sec, '-W']);
  return { pub, sec };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-minisign-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('minisign verification in TypeScript', () => {
  it('reads the key id as minisign prints it', async () => {
    const { pub } = await keyPair('id');
    const text = await readFile(pub, 'utf8');
    const printed = /minisign public key ([0-9A-F]{1,16})/.exec(text)?.[1];
    expect(printed).toBeDefined();
    expect(parseMinisignPublicKey(text).keyId).toBe(printed);
    // minisign prints the id as "%llX": an id whose top byte is zero has no leading zeros.
    const lines = text.split('\n');
    const bytes = Buffer.from(lines[1] ?? '', 'base64');
    bytes[9] = 0;
    bytes[8] = 0x0a;
    lines[1] = bytes.toString('base64');
    const id = parseMinisignPublicKey(lines.join('\n')).keyId;
    expect(id).toMatch(/^A[0-9A-F]{12}$/);
    expect(normalizeKeyId(`000${id.toLowerCase()}`)).toBe(id);
  });

  it('verifies prehashed (default) and legacy signatures made by minisign, and refuses a changed file', async () => {
    const { pub, sec } = await keyPair('main');
    const file = join(dir, 'image.qcow2');
    await writeFile(file, Buffer.alloc(300_000, 7));
    await minisign(['-S', '-s', sec, '-m', file, '-t', 'nova test image']);
    await minisign(['-S', '-l', '-s', sec, '-m', file, '-x', `${file}.legacy`]);
    const key = parseMinisignPublicKey(await readFile(pub, 'utf8'));
    const prehashed = parseMinisignSignature(await readFile(`${file}.minisig`, 'utf8'));
    const legacy = parseMinisignSignature(await readFile(`${file}.legacy`, 'utf8'));
    expect(prehashed.algorithm).toBe('ED');
    expect(legacy.algorithm).toBe('Ed');
    expect(prehashed.trustedComment).toBe('nova test image');
    await expect(verifyMinisignFile(file, prehashed, key)).resolves.toBeUndefined();
    await expect(verifyMinisignFile(file, legacy, key)).rejects.toThrow(/legacy minisign signature \(Ed\)/);
    await expect(verifyMinisignFile(file, legacy, key, { allowLegacy: true })).resolves.toBeUndefined();

    // The real minisign agrees with Nova about the same file.
    await expect(minisign(['-V', '-p', pub, '-m', file])).resolves.toBeUndefined();

    const changed = Buffer.alloc(300_000, 7);
    changed[150_000] = 8;
    await writeFile(file, changed);
    await expect(verifyMinisignFile(file, prehashed, key)).rejects.toThrow(/does not match the file/);
    await expect(verifyMinisignFile(file, legacy, key, { allowLegacy: true })).rejects.toThrow(
      /does not match the file/,
    );
    await expect(minisign(['-V', '-p', pub, '-m', file])).rejects.toThrow();
  });

  it('refuses a signature by another key and a changed trusted comment', async () => {
    const mine = await keyPair('mine');
    const other = await keyPair('other');
    const file = join(dir, 'other.img');
    await writeFile(file, 'some bytes');
    await minisign(['-S', '-s', other.sec, '-m', file]);
    const text = await readFile(`${file}.minisig`, 'utf8');
    const signature = parseMinisignSignature(text);
    const myKey = parseMinisignPublicKey(await readFile(mine.pub, 'utf8'));
    const otherKey = parseMinisignPublicKey(await readFile(other.pub, 'utf8'));
    await expect(verifyMinisignFile(file, signature, myKey)).rejects.toThrow(
      new RegExp(`signed with key ${otherKey.keyId}`),
    );
    await expect(verifyMinisignFile(file, signature, otherKey)).resolves.toBeUndefined();

    const lines = text.split('\n');
    lines[2] = 'trusted comment: timestamp:0\tfile:something-else';
    const altered = parseMinisignSignature(lines.join('\n'));
    expect(() => {
      verifyTrustedComment(altered, otherKey);
    }).toThrow(/trusted comment’s signature is invalid/);
    await expect(verifyMinisignFile(file, altered, otherKey)).rejects.toThrow(MinisignError);
  });

  it('names what is wrong with a broken signature or key file', () => {
    expect(() => parseMinisignSignature('untrusted comment: x\nAAAA\n')).toThrow(/4 lines/);
    expect(() => parseMinisignSignature('untrusted comment: x\n!!!\ntrusted comment: y\nAAAA\n')).toThrow(
      /not base64/,
    );
    expect(() =>
      parseMinisignSignature(
        `untrusted comment: x\n${Buffer.alloc(74).toString('base64')}\ntrusted comment: y\n${Buffer.alloc(64).toString('base64')}\n`,
      ),
    ).toThrow(/unknown signature algorithm/);
    expect(() => parseMinisignPublicKey('untrusted comment: x\nAAAA\n')).toThrow(/expected 42/);
  });
});
