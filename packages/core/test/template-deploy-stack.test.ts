// The gallery's container stack deploy without a host: which plan steps are the stack's, the channel's
// input rules, the consent rule, refusing VM templates, and "write only" writing the sections into a
// real NovaFile (keeping what was there). Applying on the lab is e2e/browser/templates.spec.ts.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { TemplateDeployInput } from '../src/contract/features/templates.js';
import type { NovaFileDeps } from '../src/novafile/novafile-service.js';
import type { Plan, PlanStep } from '../src/novafile/plan.js';
import { deployStackTemplate, stepsForStack } from '../src/templates/deploy-stack.js';

let dir: string;
let registry: string;
let configDir: string;

// A fake host: these tests never reach the helper or an engine (write only, or refused before).
const unreachableHost = {
  helper: () => Promise.reject(new Error('fake host: the helper is not reached in these tests')),
} as unknown as NovaFileDeps;

const stack = (id: string, publisher: Record<string, string>) => ({
  id,
  name: `Stack ${id}`,
  version: '1',
  kind: 'container-stack',
  os: 'busybox',
  arch: 'any',
  publisher,
  minimum: { cpu: 1, memory: '64Mi', disk: '16Mi' },
  containers: { app: { capsule: 'nova-test/busybox:latest', command: ['sleep', '60'], network: 'net' } },
  networks: { net: { type: 'overlay' } },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nova-deploy-stack-'));
  registry = join(dir, 'registry');
  configDir = join(dir, 'config');
  await mkdir(registry);
  await mkdir(join(configDir, 'trusted-keys'), { recursive: true });
  await writeFile(
    join(registry, 'index.json'),
    JSON.stringify({
      version: 1,
      name: 'Unit',
      templates: [
        stack('open-stack', { id: 'somebody', name: 'Somebody' }),
        {
          id: 'a-vm',
          name: 'A VM',
          version: '1',
          kind: 'vm',
          os: 'linux',
          arch: 'x86_64',
          publisher: { id: 'somebody', name: 'Somebody' },
          minimum: { cpu: 1, memory: '64Mi', disk: '32Mi' },
          defaults: { cpu: 1, memory: '128Mi', disk_size: '32Mi', firmware: 'bios', cloud_init: false },
          image: { url: 'tiny.qcow2', format: 'qcow2', sha256: '0'.repeat(64) },
        },
      ],
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (novaFile: string, extra: Partial<Parameters<typeof deployStackTemplate>[1]> = {}) => ({
  id: 'open-stack',
  name: 'shop',
  novaFile,
  consent: [] as ('checksum' | 'signature' | 'publisher' | 'source')[],
  apply: false,
  configDir,
  registries: [registry],
  builtin: false,
  ...extra,
});

describe('stepsForStack', () => {
  const step = (kind: PlanStep['kind'], name: string, action: PlanStep['action'] = 'create'): PlanStep => ({
    kind,
    name,
    action,
  });
  it('takes the stack’s containers and its project-prefixed engine network, and leaves the rest', () => {
    const plan = {
      steps: [
        step('engine-network', 'lab_shop-net'),
        step('container', 'shop-app'),
        step('container', 'shop-app', 'start'),
        step('container', 'other-app'),
        step('vm', 'shop-app'),
        step('engine-network', 'lab_shop-network'),
        // Another section whose name ends like the stack's network: not the stack's.
        step('engine-network', 'lab_foo_shop-net'),
        step('engine-network', 'other_shop-net'),
      ],
      conflicts: [],
      project: 'lab',
    } as unknown as Plan;
    const { plan: mine, left } = stepsForStack(plan, ['network.shop-net', 'container.shop-app']);
    expect(mine.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual([
      'create engine-network lab_shop-net',
      'create container shop-app',
      'start container shop-app',
    ]);
    expect(left.map((s) => `${s.kind} ${s.name}`)).toEqual([
      'container other-app',
      'vm shop-app',
      'engine-network lab_shop-network',
      'engine-network lab_foo_shop-net',
      'engine-network other_shop-net',
    ]);
  });
});

describe('templates.deploy input', () => {
  const good = { id: 'open-stack', name: 'shop', consent: [], apply: true, runId: 'r1' };
  it('accepts a stack deploy and refuses a bad name, an unknown check and unknown keys', () => {
    expect(TemplateDeployInput.safeParse(good).success).toBe(true);
    const badName = TemplateDeployInput.safeParse({ ...good, name: 'bad name!' });
    expect(badName.error?.issues[0]?.message).toMatch(/^a name is letters, digits/);
    expect(TemplateDeployInput.safeParse({ ...good, consent: ['everything'] }).success).toBe(false);
    expect(TemplateDeployInput.safeParse({ ...good, force: true }).success).toBe(false);
  });
});

describe('deployStackTemplate', () => {
  it('refuses a stack whose failed check was not consented to, naming it, and writes nothing', async () => {
    const file = join(dir, 'refused.toml');
    await writeFile(file, 'project = "unit"\n');
    await expect(deployStackTemplate({ novaFile: unreachableHost }, options(file))).rejects.toThrow(
      /template "open-stack" failed its publisher check: publisher: /,
    );
    expect(await readFile(file, 'utf8')).toBe('project = "unit"\n');
  });

  it('refuses a VM template: those go through the wizard', async () => {
    const file = join(dir, 'vm.toml');
    await expect(
      deployStackTemplate({ novaFile: unreachableHost }, options(file, { id: 'a-vm' })),
    ).rejects.toThrow(/"a-vm" is a VM template, not a container stack/);
  });

  it('with consent, write only adds the stack’s sections and keeps the file’s comment', async () => {
    const file = join(dir, 'written.toml');
    await writeFile(file, '# mine\nproject = "unit"\n');
    const events: string[] = [];
    const result = await deployStackTemplate(
      { novaFile: unreachableHost },
      options(file, {
        consent: ['publisher'],
        onEvent: (event) => {
          events.push(event.type);
        },
      }),
    );
    expect(result.applied).toBe(false);
    expect(result.deployed.sections).toEqual(['network.shop-net', 'container.shop-app']);
    expect(result.deployed.consented).toBe(true);
    expect(result.containers).toEqual(['shop-app']);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# mine\nproject = "unit"\n')).toBe(true);
    expect(text).toContain('[container.shop-app]');
    expect(text).toContain('network = "shop-net"');
    expect(events).toContain('written');
  });
});
