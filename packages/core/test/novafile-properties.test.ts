import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { formatNovaFile } from '../src/novafile/format.js';
import { formatNovaFileError, readNovaFile } from '../src/novafile/read.js';
import { NovaFileSchema } from '../src/novafile/schema.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'original');
const fixtures = readdirSync(FIXTURES).map((file) => readFileSync(join(FIXTURES, file), 'utf8'));

/** Either a model, or errors that each name a place and say something: never an exception. */
function expectModelOrErrors(text: string): void {
  const result = readNovaFile(text);
  if (result.ok) return;
  expect(result.errors.length).toBeGreaterThan(0);
  for (const error of result.errors) {
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.message.length).toBeGreaterThan(0);
  }
}

describe('reading any input', () => {
  it('gives a model or structured errors for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), expectModelOrErrors), {
      numRuns: 2000,
    });
  });

  it('gives a model or structured errors for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expectModelOrErrors(new TextDecoder().decode(bytes));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a model or structured errors for TOML-like text', () => {
    const token = fc.constantFrom(
      '[vm.a]',
      '[[vm.a.disk]]',
      '[container.b]',
      '[network.n]',
      'memory',
      'cpu',
      'network',
      '=',
      '"2Gi"',
      '4',
      '-1',
      'true',
      '[',
      ']',
      '{',
      '}',
      ',',
      '.',
      '"',
      "'",
      '\n',
      ' ',
      '#',
      'subnet = "10.0.0.0/24"',
      'env.X = "1"',
      '1979-05-27',
      '1e400',
      '0x1F',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        expectModelOrErrors(tokens.join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives a model or structured errors for real files with random damage', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 8 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (text, edits) => {
          let damaged = text;
          for (const [at, remove, insert] of edits) {
            const position = at % (damaged.length + 1);
            damaged = damaged.slice(0, position) + insert + damaged.slice(position + remove);
          }
          expectModelOrErrors(damaged);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses deeply nested input with an error, not a crash', () => {
    expectModelOrErrors(`a = ${'['.repeat(100_000)}`);
    expectModelOrErrors(`a = ${'{ b = '.repeat(20_000)}`);
  });
});

// ── Models, for the round trip ───────────────────────────────────────────────────────────────────

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const size = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((n) => `${n}Gi`),
  fc.integer({ min: 1, max: 4096 }).map((n) => `${n}Mi`),
  fc.integer({ min: 1, max: 9 }).map((n) => `${n}G`),
  fc.integer({ min: 0, max: 2 ** 40 }),
);
const text = fc.string({ maxLength: 20 });

const rawFile = fc
  .record({
    project: fc.option(name, { nil: undefined }),
    networks: fc.uniqueArray(fc.tuple(name, fc.integer({ min: 0, max: 255 })), {
      maxLength: 3,
      selector: ([n]) => n,
    }),
    pools: fc.uniqueArray(name, { maxLength: 2 }),
    vms: fc.uniqueArray(name, { maxLength: 3 }),
    containers: fc.uniqueArray(
      name.map((n) => `c-${n}`),
      { maxLength: 3 },
    ),
  })
  .chain(({ project, networks, pools, vms, containers }) => {
    const uniqueThirdOctets = [...new Map(networks.map(([n, octet]) => [octet, n])).entries()];
    const networkNames = uniqueThirdOctets.map(([, n]) => n);
    const network = Object.fromEntries(
      uniqueThirdOctets.map(([octet, n]) => [
        n,
        { profile: 'nat', subnet: `10.${octet}.0.0/24`, dns: true, autostart: false },
      ]),
    );
    const storage = Object.fromEntries(
      pools.map((p) => [p, { directory: `/srv/${p}`, labels: ['a b', 'ü'] }]),
    );
    const vm = fc.record({
      cpu: fc.integer({ min: 1, max: 64 }),
      memory: size,
      accelerator: fc.constantFrom('auto', 'kvm', 'tcg'),
      state: fc.constantFrom('running', 'stopped'),
      autostart: fc.boolean(),
      ...(networkNames.length > 0 ? { network: fc.constantFrom(...networkNames) } : {}),
      disk: fc.uniqueArray(fc.record({ name, size, format: fc.constantFrom('qcow2', 'raw') }), {
        maxLength: 2,
        selector: (d) => d.name,
      }),
      firmware: fc.record({ boot_type: fc.constantFrom('legacy', 'uefi') }),
      boot: fc.option(fc.record({ kernel: fc.constant('/boot/vmlinuz'), cmdline: text }), { nil: undefined }),
    });
    const container = fc.record({
      capsule: fc.constantFrom('alpine:3', 'nginx:latest', 'registry.example.com/team/app:1.2'),
      env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), text, { maxKeys: 3 }),
      volumes: fc.array(fc.constantFrom('./data:/data', 'named:/var/lib/x:ro'), { maxLength: 2 }),
      restart: fc.constantFrom('no', 'always', 'on-failure:3'),
      cpus: fc.option(fc.double({ min: 0.1, max: 8, noNaN: true }), { nil: undefined }),
      memory: fc.option(size, { nil: undefined }),
    });
    return fc
      .record({
        vm: fc
          .tuple(...vms.map(() => vm))
          .map((specs) => Object.fromEntries(vms.map((n, i) => [n, specs[i]]))),
        container: fc
          .tuple(...containers.map(() => container))
          .map((specs) => Object.fromEntries(containers.map((n, i) => [n, specs[i]]))),
      })
      .map((instances) => ({
        ...(project === undefined ? {} : { project }),
        network,
        storage,
        ...instances,
      }));
  });

describe('formatting and reading back', () => {
  it('gives the same model for any model', () => {
    const seen = { vmOnNetwork: 0, disk: 0, env: 0, pool: 0 };
    fc.assert(
      fc.property(rawFile, (raw) => {
        const model = NovaFileSchema.parse(raw);
        const vms = Object.values(model.vm);
        if (vms.some((vm) => vm.network !== undefined)) seen.vmOnNetwork += 1;
        if (vms.some((vm) => vm.disk.length > 0)) seen.disk += 1;
        if (Object.values(model.container).some((c) => Object.keys(c.env).length > 0)) seen.env += 1;
        if (Object.keys(model.storage).length > 0) seen.pool += 1;
        const text = formatNovaFile(model);
        const again = readNovaFile(text);
        if (!again.ok)
          throw new Error(`${again.errors.map(formatNovaFileError).join('\n')}\n--- file ---\n${text}`);
        expect(again.model).toEqual(model);
      }),
      { numRuns: 300 },
    );
    // The generator must really produce rich files, or this property proves little.
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(20);
    // 300 rich files take seconds on a busy 2-core machine: this is not a test of speed.
  }, 60_000);

  it('gives the same model for the files of the original Nova', () => {
    for (const fixture of fixtures) {
      const first = readNovaFile(fixture);
      if (!first.ok) throw new Error('fixture does not read');
      const again = readNovaFile(formatNovaFile(first.model));
      expect(again.ok && again.model).toEqual(first.model);
    }
  });
});
