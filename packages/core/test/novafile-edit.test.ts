import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { NovaError } from '../src/contract/errors.js';
import { applyEdits, type NovaFileEdit, updateNovaFile } from '../src/novafile/edit.js';
import { formatNovaFileError, readNovaFile } from '../src/novafile/read.js';
import type { NovaFileModel } from '../src/novafile/schema.js';

type TomlValue = Extract<NovaFileEdit, { op: 'set' }>['value'];

const LAB = `# Nova lab
project = "lab"

# The web server
[vm.web]
cpu = 2
memory = "2Gi"  # enough for now

[vm.web.storage]
size = "20Gi"

[[vm.web.disk]]
name = "data"
size = "10Gi"

# The database
[vm.db]
cpu = 4
`;

function modelOf(text: string): NovaFileModel {
  const result = readNovaFile(text);
  if (!result.ok) throw new Error(result.errors.map(formatNovaFileError).join('\n'));
  return result.model;
}

function editError(text: string, edits: NovaFileEdit[]): NovaError {
  try {
    applyEdits(text, edits);
  } catch (err) {
    if (err instanceof NovaError) return err;
    throw err;
  }
  throw new Error('expected the edit to be refused');
}

describe('changing a value', () => {
  it('touches only the value: the trailing comment and every other byte stay', () => {
    const text = applyEdits(LAB, [{ op: 'set', path: ['vm', 'web', 'memory'], value: '4Gi' }]);
    expect(text).toBe(LAB.replace('memory = "2Gi"  # enough for now', 'memory = "4Gi"  # enough for now'));
  });

  it('leaves the text alone when the value is already the same, however it is written', () => {
    const text = "[vm.web]\ncpu = 0x2\nmemory = '2Gi'\n";
    expect(
      applyEdits(text, [
        { op: 'set', path: ['vm', 'web', 'cpu'], value: 2 },
        { op: 'set', path: ['vm', 'web', 'memory'], value: '2Gi' },
      ]),
    ).toBe(text);
  });

  it('escapes strings', () => {
    const text = applyEdits(LAB, [{ op: 'set', path: ['project'], value: 'a "quoted"\\ name\n' }]);
    expect(text).toContain('project = "a \\"quoted\\"\\\\ name\\n"\n');
    expect(readNovaFile(text).source?.value['project']).toBe('a "quoted"\\ name\n');
  });

  it('changes an element of an array in place', () => {
    const text = '[container.c]\nports = ["80:80", "443:443"]  # public\n';
    expect(applyEdits(text, [{ op: 'set', path: ['container', 'c', 'ports', 1], value: '8443:443' }])).toBe(
      '[container.c]\nports = ["80:80", "8443:443"]  # public\n',
    );
  });
});

describe('adding a key', () => {
  it('goes right after the last key of its table, with the siblings’ indentation', () => {
    const text = applyEdits(LAB, [{ op: 'set', path: ['vm', 'web', 'autostart'], value: true }]);
    expect(text).toBe(
      LAB.replace(
        'memory = "2Gi"  # enough for now\n',
        'memory = "2Gi"  # enough for now\nautostart = true\n',
      ),
    );
    const indented = '[vm.web]\n  cpu = 2\n  # a note\n\n[vm.db]\n';
    expect(applyEdits(indented, [{ op: 'set', path: ['vm', 'web', 'memory'], value: '1Gi' }])).toBe(
      '[vm.web]\n  cpu = 2\n  memory = "1Gi"\n  # a note\n\n[vm.db]\n',
    );
  });

  it('goes into an empty table right after its header', () => {
    const text = '[vm.a]  # empty for now\n\n[vm.b]\n';
    expect(applyEdits(text, [{ op: 'set', path: ['vm', 'a', 'cpu'], value: 1 }])).toBe(
      '[vm.a]  # empty for now\ncpu = 1\n\n[vm.b]\n',
    );
  });

  it('at the top level goes before the first table', () => {
    const text = applyEdits(LAB, [{ op: 'set', path: ['ui', 'theme'], value: 'dracula' }]);
    expect(text).toBe(`${LAB}\n[ui]\ntheme = "dracula"\n`);
    const bare = '# my lab\n[vm.a]\n';
    expect(applyEdits(bare, [{ op: 'set', path: ['project'], value: 'x' }])).toBe(
      'project = "x"\n\n# my lab\n[vm.a]\n',
    );
  });

  it('whose table is missing appends the table at the end, after one blank line', () => {
    const text = applyEdits(LAB, [
      { op: 'set', path: ['vm', 'web', 'firmware', 'boot_type'], value: 'uefi' },
    ]);
    expect(text).toBe(`${LAB}\n[vm.web.firmware]\nboot_type = "uefi"\n`);
    expect(modelOf(text).vm['web']?.firmware.boot_type).toBe('uefi');
    expect(modelOf(text).vm['web']?.storage?.size).toBe(20 * 1024 ** 3);
  });

  it('inside an element of a list of tables stays with that element', () => {
    const text = '[[vm.a.disk]]\nname = "one"\n\n[[vm.a.disk]]\nname = "two"\n';
    const edited = applyEdits(text, [
      { op: 'set', path: ['vm', 'a', 'disk', 0, 'size'], value: '5Gi' },
      { op: 'set', path: ['vm', 'a', 'disk', 2], value: { name: 'three' } },
    ]);
    expect(edited).toBe(
      '[[vm.a.disk]]\nname = "one"\nsize = "5Gi"\n\n[[vm.a.disk]]\nname = "two"\n\n[[vm.a.disk]]\nname = "three"\n',
    );
  });

  it('refuses a key inside an array element that does not exist, or inside a value', () => {
    const missing = editError(LAB, [{ op: 'set', path: ['vm', 'web', 'disk', 3, 'size'], value: '1Gi' }]);
    expect(missing.code).toBe('invalid-input');
    expect(missing.message).toContain('there is no element 3 in vm.web.disk (it has 1)');
    const scalar = editError(LAB, [{ op: 'set', path: ['vm', 'web', 'cpu', 'x'], value: 1 }]);
    expect(scalar.message).toContain('vm.web.cpu is an integer, not a table');
    const list = editError(LAB, [{ op: 'set', path: ['vm', 'web', 'disk', 'name'], value: 'x' }]);
    expect(list.message).toContain('vm.web.disk[0].name');
    expect(editError(LAB, [{ op: 'set', path: ['vm', 'web', 'cpu'], value: Number.NaN }]).code).toBe(
      'invalid-input',
    );
  });

  it('refuses input that is not TOML, saying where', () => {
    const error = editError('[vm.web\ncpu = 1\n', [{ op: 'set', path: ['vm', 'web', 'cpu'], value: 2 }]);
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(/not valid TOML \(line 2, column 1: /);
  });
});

describe('writing a whole table', () => {
  it('adds a VM with sub-tables and a list of tables that reads back to the model', () => {
    const text = applyEdits(LAB, [
      {
        op: 'setTable',
        path: ['vm', 'api'],
        entries: {
          cpu: 2,
          memory: '3Gi',
          state: 'stopped',
          storage: { size: '30Gi', format: 'raw' },
          disk: [
            { name: 'logs', size: '1Gi' },
            { name: 'cache', size: '2Gi', bus: 'sata' },
          ],
          firmware: { boot_type: 'uefi' },
        },
      },
    ]);
    expect(text).toBe(
      `${LAB}\n[vm.api]\ncpu = 2\nmemory = "3Gi"\nstate = "stopped"\n\n[vm.api.storage]\nsize = "30Gi"\nformat = "raw"\n\n` +
        `[[vm.api.disk]]\nname = "logs"\nsize = "1Gi"\n\n[[vm.api.disk]]\nname = "cache"\nsize = "2Gi"\nbus = "sata"\n\n` +
        `[vm.api.firmware]\nboot_type = "uefi"\n`,
    );
    const api = modelOf(text).vm['api'];
    expect(api).toMatchObject({ cpu: 2, memory: 3 * 1024 ** 3, state: 'stopped' });
    expect(api?.storage).toMatchObject({ size: 30 * 1024 ** 3, format: 'raw' });
    expect(api?.disk.map((disk) => [disk.name, disk.size, disk.bus])).toEqual([
      ['logs', 1024 ** 3, 'virtio'],
      ['cache', 2 * 1024 ** 3, 'sata'],
    ]);
    expect(api?.firmware.boot_type).toBe('uefi');
  });

  it('replaces a table where it stands, keeping the comment above it', () => {
    const text = applyEdits(LAB, [
      { op: 'setTable', path: ['vm', 'web'], entries: { cpu: 8, storage: { size: '50Gi' } } },
    ]);
    expect(text).toBe(`# Nova lab
project = "lab"

# The web server
[vm.web]
cpu = 8

[vm.web.storage]
size = "50Gi"

# The database
[vm.db]
cpu = 4
`);
  });

  it('quotes keys that are not bare, in headers and keys', () => {
    const text = applyEdits('[vm."web.1"]\ncpu = 1\n', [
      { op: 'set', path: ['vm', 'web.1', 'cpu'], value: 2 },
      { op: 'set', path: ['vm', 'web.1', 'memory'], value: '1Gi' },
      { op: 'setTable', path: ['vm', 'db 2'], entries: { cpu: 1 } },
      { op: 'set', path: ['container', 'c', 'env', 'A.B'], value: 'x' },
    ]);
    expect(text).toBe(
      '[vm."web.1"]\ncpu = 2\nmemory = "1Gi"\n\n[vm."db 2"]\ncpu = 1\n\n[container.c.env]\n"A.B" = "x"\n',
    );
    expect(readNovaFile(text).source?.value).toEqual({
      vm: { 'web.1': { cpu: 2, memory: '1Gi' }, 'db 2': { cpu: 1 } },
      container: { c: { env: { 'A.B': 'x' } } },
    });
  });
});

describe('removing', () => {
  it('a key removes its line with its comment, nothing else', () => {
    expect(applyEdits(LAB, [{ op: 'remove', path: ['vm', 'web', 'memory'] }])).toBe(
      LAB.replace('memory = "2Gi"  # enough for now\n', ''),
    );
  });

  it('something that is not there changes nothing', () => {
    expect(applyEdits(LAB, [{ op: 'remove', path: ['vm', 'nope'] }])).toBe(LAB);
    expect(applyEdits(LAB, [{ op: 'remove', path: ['project', 0] }])).toBe(LAB);
  });

  it('a VM removes its header, body, sub-tables and its comment; the next table’s comment stays', () => {
    const text = applyEdits(LAB, [{ op: 'remove', path: ['vm', 'web'] }]);
    expect(text).toBe('# Nova lab\nproject = "lab"\n\n# The database\n[vm.db]\ncpu = 4\n');
    expect(Object.keys(modelOf(text).vm)).toEqual(['db']);
  });

  it('the last table leaves no blank lines behind', () => {
    expect(applyEdits(LAB, [{ op: 'remove', path: ['vm', 'db'] }])).toBe(
      LAB.replace('\n# The database\n[vm.db]\ncpu = 4\n', ''),
    );
  });

  it('a table whose sub-tables are elsewhere removes those too, and a key between blank lines collapses them', () => {
    const text = '[vm.a]\ncpu = 1\n\n[vm.b]\ncpu = 2\n\n[[vm.a.disk]]\nname = "x"\n# about x\n\n[vm.c]\n';
    expect(applyEdits(text, [{ op: 'remove', path: ['vm', 'a'] }])).toBe('[vm.b]\ncpu = 2\n\n[vm.c]\n');
    expect(applyEdits('a = 1\n\nb = 2\n\nc = 3\n', [{ op: 'remove', path: ['b'] }])).toBe('a = 1\n\nc = 3\n');
  });

  it('an element of a list of tables, by its number', () => {
    const text = '[[vm.a.disk]]\nname = "one"\n\n[[vm.a.disk]]\nname = "two"\n';
    expect(applyEdits(text, [{ op: 'remove', path: ['vm', 'a', 'disk', 0] }])).toBe(
      '[[vm.a.disk]]\nname = "two"\n',
    );
  });

  it('an element of an inline array, with its comma', () => {
    const text = 'a = [1, 2, 3]\n';
    expect(applyEdits(text, [{ op: 'remove', path: ['a', 0] }])).toBe('a = [2, 3]\n');
    expect(applyEdits(text, [{ op: 'remove', path: ['a', 2] }])).toBe('a = [1, 2]\n');
    expect(applyEdits('a = [1]\n', [{ op: 'remove', path: ['a', 0] }])).toBe('a = []\n');
  });
});

describe('styles the user wrote', () => {
  const NOTEBOOK = `[container.notebook]
capsule = "jupyter/base-notebook:latest"
env.JUPYTER_TOKEN = "lab"  # change me
env.GRANT_SUDO = "no"
autostart = true
`;

  it('dotted keys: a new key joins its dotted siblings, an existing one changes in place', () => {
    const text = applyEdits(NOTEBOOK, [
      { op: 'set', path: ['container', 'notebook', 'env', 'HOST'], value: '0.0.0.0' },
      { op: 'set', path: ['container', 'notebook', 'env', 'JUPYTER_TOKEN'], value: 'secret' },
    ]);
    expect(text).toBe(`[container.notebook]
capsule = "jupyter/base-notebook:latest"
env.JUPYTER_TOKEN = "secret"  # change me
env.GRANT_SUDO = "no"
env.HOST = "0.0.0.0"
autostart = true
`);
    expect(modelOf(text).container['notebook']?.env).toEqual({
      JUPYTER_TOKEN: 'secret',
      GRANT_SUDO: 'no',
      HOST: '0.0.0.0',
    });
  });

  it('dotted keys: a table made by dotted keys never gets a [header] of its own', () => {
    const text = 'vm.web.cpu = 1\n\n[vm.web.storage]\nsize = "1Gi"\n';
    expect(applyEdits(text, [{ op: 'set', path: ['vm', 'web', 'memory'], value: '2Gi' }])).toBe(
      'vm.web.cpu = 1\nvm.web.memory = "2Gi"\n\n[vm.web.storage]\nsize = "1Gi"\n',
    );
  });

  it('dotted keys: removing the dotted table removes all its lines', () => {
    expect(applyEdits(NOTEBOOK, [{ op: 'remove', path: ['container', 'notebook', 'env'] }])).toBe(
      '[container.notebook]\ncapsule = "jupyter/base-notebook:latest"\nautostart = true\n',
    );
    expect(
      applyEdits(NOTEBOOK, [{ op: 'remove', path: ['container', 'notebook', 'env', 'GRANT_SUDO'] }]),
    ).toBe(NOTEBOOK.replace('env.GRANT_SUDO = "no"\n', ''));
  });

  it('inline tables: a key is added, changed or removed inside just that inline table', () => {
    const text = '[container.c]\nenv = { A = "1", B = "2" }  # vars\nautostart = false\n';
    expect(applyEdits(text, [{ op: 'set', path: ['container', 'c', 'env', 'C'], value: '3' }])).toBe(
      '[container.c]\nenv = { A = "1", B = "2", C = "3" }  # vars\nautostart = false\n',
    );
    expect(applyEdits(text, [{ op: 'set', path: ['container', 'c', 'env', 'B'], value: 'two' }])).toBe(
      '[container.c]\nenv = { A = "1", B = "two" }  # vars\nautostart = false\n',
    );
    expect(applyEdits(text, [{ op: 'remove', path: ['container', 'c', 'env', 'A'] }])).toBe(
      '[container.c]\nenv = { B = "2" }  # vars\nautostart = false\n',
    );
    expect(applyEdits(text, [{ op: 'remove', path: ['container', 'c', 'env', 'B'] }])).toBe(
      '[container.c]\nenv = { A = "1" }  # vars\nautostart = false\n',
    );
    expect(
      applyEdits('x = {}\n', [
        { op: 'set', path: ['x', 'a', 'b'], value: 1 },
        { op: 'set', path: ['x', 'a', 'c'], value: 2 },
      ]),
    ).toBe('x = { a.b = 1, a.c = 2 }\n');
  });

  it('inline tables in an array: a key goes into that element', () => {
    const text = '[vm.a]\nnic = [{ network = "n1" }, { network = "n2" }]\n';
    expect(applyEdits(text, [{ op: 'set', path: ['vm', 'a', 'nic', 1, 'model'], value: 'e1000e' }])).toBe(
      '[vm.a]\nnic = [{ network = "n1" }, { network = "n2", model = "e1000e" }]\n',
    );
  });

  it('CRLF files stay CRLF, new lines included', () => {
    const crlf = LAB.replaceAll('\n', '\r\n');
    const text = applyEdits(crlf, [
      { op: 'set', path: ['vm', 'web', 'memory'], value: '4Gi' },
      { op: 'set', path: ['vm', 'db', 'memory'], value: '8Gi' },
      { op: 'setTable', path: ['container', 'c'], entries: { capsule: 'redis:7', env: { A: '1' } } },
      { op: 'remove', path: ['vm', 'web', 'disk'] },
    ]);
    expect(text.replaceAll('\r\n', '')).not.toContain('\n');
    expect(text).toBe(
      [
        '# Nova lab',
        'project = "lab"',
        '',
        '# The web server',
        '[vm.web]',
        'cpu = 2',
        'memory = "4Gi"  # enough for now',
        '',
        '[vm.web.storage]',
        'size = "20Gi"',
        '',
        '# The database',
        '[vm.db]',
        'cpu = 4',
        'memory = "8Gi"',
        '',
        '[container.c]',
        'capsule = "redis:7"',
        '',
        '[container.c.env]',
        'A = "1"',
        '',
      ].join('\r\n'),
    );
  });

  it('a file without a final newline stays without one', () => {
    expect(applyEdits('[vm.a]\ncpu = 1', [{ op: 'set', path: ['vm', 'a', 'memory'], value: '1Gi' }])).toBe(
      '[vm.a]\ncpu = 1\nmemory = "1Gi"',
    );
    expect(
      applyEdits('[vm.a]\ncpu = 1\nmemory = "1Gi"', [{ op: 'remove', path: ['vm', 'a', 'memory'] }]),
    ).toBe('[vm.a]\ncpu = 1');
  });

  it('multi-line strings keep their blank lines when a neighbour goes', () => {
    const text = 'a = 1\n\nb = """\nx\n\n\ny"""\n\nc = 2\n';
    expect(applyEdits(text, [{ op: 'remove', path: ['a'] }])).toBe('b = """\nx\n\n\ny"""\n\nc = 2\n');
    expect(applyEdits(text, [{ op: 'remove', path: ['c'] }])).toBe('a = 1\n\nb = """\nx\n\n\ny"""\n');
  });
});

describe('updateNovaFile', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nova-edit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the edited file atomically, keeps its mode and returns the model', async () => {
    const path = join(dir, 'NovaFile');
    await writeFile(path, LAB);
    await chmod(path, 0o600);
    const result = await updateNovaFile(path, [{ op: 'set', path: ['vm', 'web', 'cpu'], value: 6 }]);
    const onDisk = await readFile(path, 'utf8');
    expect(onDisk).toBe(LAB.replace('cpu = 2', 'cpu = 6'));
    expect(result.text).toBe(onDisk);
    expect(result.model.vm['web']?.cpu).toBe(6);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['NovaFile']);
  });

  it('refuses to write a result that does not read, and says why', async () => {
    const path = join(dir, 'NovaFile');
    await writeFile(path, LAB);
    const error = await updateNovaFile(path, [{ op: 'set', path: ['vm', 'web', 'memory'], value: 'lots' }], {
      file: 'lab/NovaFile',
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NovaError);
    const novaError = error as NovaError;
    expect(novaError.code).toBe('invalid-input');
    expect(novaError.message).toContain('lab/NovaFile:7:10');
    expect(novaError.message).toContain('memory');
    expect(novaError.detail).toMatch(/Nothing was written/);
    expect(await readFile(path, 'utf8')).toBe(LAB);
    expect(await readdir(dir)).toEqual(['NovaFile']);
  });

  it('blames errors the file already had on the file, at their lines on disk', async () => {
    const path = join(dir, 'NovaFile');
    const broken = '[vm.web]\ncpu = 0\n';
    await writeFile(path, broken);
    const error = (await updateNovaFile(path, [{ op: 'set', path: ['project'], value: 'lab' }]).catch(
      (err: unknown) => err,
    )) as NovaError;
    expect(error.code).toBe('invalid-input');
    expect(error.message).toContain('has errors; fix them before Nova edits it');
    expect(error.message).toContain(`${path}:2:7`);
    expect(await readFile(path, 'utf8')).toBe(broken);
  });

  it('says when there is no file', async () => {
    const error = await updateNovaFile(join(dir, 'missing'), []).catch((err: unknown) => err);
    expect((error as NovaError).code).toBe('not-found');
  });
});

describe('editing the original Nova’s files (property)', () => {
  const FIXTURES = join(import.meta.dirname, 'fixtures', 'original');
  const fixtures = readdirSync(FIXTURES).map((file) => readFileSync(join(FIXTURES, file), 'utf8'));

  interface Target {
    text: string;
    table: 'vm' | 'container';
    name: string;
    key: 'cpu' | 'capsule' | 'cpus';
  }
  const targets: Target[] = fixtures.flatMap((text) => {
    const model = modelOf(text);
    return [
      ...Object.keys(model.vm).map((name): Target => ({ text, table: 'vm', name, key: 'cpu' })),
      ...Object.keys(model.container).flatMap((name): Target[] => [
        { text, table: 'container', name, key: 'capsule' },
        { text, table: 'container', name, key: 'cpus' },
      ]),
    ];
  });

  const valueFor = (key: Target['key']): fc.Arbitrary<string | number> =>
    key === 'cpu'
      ? fc.integer({ min: 1, max: 512 })
      : key === 'cpus'
        ? fc.double({ min: 0.01, max: 1024, noNaN: true })
        : fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });

  it('changes just that field and keeps every other line in order', () => {
    expect(targets.length).toBeGreaterThan(4);
    fc.assert(
      fc.property(
        fc.constantFrom(...targets).chain((target) => fc.tuple(fc.constant(target), valueFor(target.key))),
        ([target, value]) => {
          const edited = applyEdits(target.text, [
            { op: 'set', path: [target.table, target.name, target.key], value },
          ]);
          const expected = structuredClone(modelOf(target.text));
          const entry = expected[target.table][target.name] as Record<string, unknown>;
          entry[target.key] = value;
          expect(modelOf(edited)).toEqual(expected);

          const kept = target.text.split('\n').filter((line) => !line.includes(target.key));
          const after = edited.split('\n');
          let at = 0;
          for (const line of after) if (line === kept[at]) at++;
          expect(at).toBe(kept.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any sequence of edits gives a file with exactly the edited values, or a refusal (never a bug)', () => {
    const part = fc.constantFrom<string | number>(
      'vm',
      'container',
      'builder',
      'db',
      'one',
      'new',
      'web.1',
      'env',
      'storage',
      'disk',
      'cpu',
      'size',
      'A',
      0,
      1,
      2,
    );
    const path = fc.array(part, { minLength: 1, maxLength: 5 });
    const value = fc.constantFrom<TomlValue>(1, 'x', true, 2.5, [1, 2], [], {}, { a: 1 }, { a: { b: 'c' } }, [
      { name: 'd' },
    ]);
    const entries = fc.dictionary(fc.constantFrom('cpu', 'env', 'disk', 'a b', 'size'), value, {
      maxKeys: 3,
    });
    const edit: fc.Arbitrary<NovaFileEdit> = fc.oneof(
      fc.record({ op: fc.constant('set' as const), path, value }),
      fc.record({ op: fc.constant('remove' as const), path }),
      fc.record({
        op: fc.constant('setTable' as const),
        path: fc.array(fc.constantFrom('vm', 'container', 'db', 'new', 'env', 'storage', 'disk'), {
          minLength: 1,
          maxLength: 4,
        }),
        entries,
      }),
    );
    const texts = [
      ...fixtures,
      LAB,
      LAB.replaceAll('\n', '\r\n'),
      'x = { a = 1, b.c = [1, { d = 2 }] }\n[[vm.web.disk]]\nname = "a"\n[vm.web.disk.opts]\nq = 1\n',
      'vm.db.cpu = 1 # dotted\n\n[vm.db.storage]\nsize = "1Gi"\n\n[container]\none.env.A = "1"\n',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...texts),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        (text, edits) => {
          try {
            const edited = applyEdits(text, edits);
            expect(readNovaFile(edited).source).toBeDefined();
          } catch (err) {
            if (!(err instanceof NovaError) || err.code !== 'invalid-input') throw err;
          }
        },
      ),
      { numRuns: 2000 },
    );
  }, 60_000);
});
