import type { WizardContext } from '@nova/core';
import { defaultAnswers } from '@nova/core/node';
import { describe, expect, it } from 'vitest';

import { interview, type Prompter } from '../src/commands/wizard.js';

// The wizard's questions on a terminal, driven through the prompt it is given (the terminal's in `nova`).
const CONTEXT: WizardContext = {
  file: 'NovaFile',
  text: 'project = "lab"\n',
  exists: true,
  hostNetworks: ['default'],
  hostVms: ['taken'],
  isos: [],
  templates: [],
  tinyGuest: { kernel: '/g/vmlinuz', initrd: '/g/initrd.img' },
  kvmUsable: false,
  warnings: [],
};

function scripted(answers: string[]): Prompter & { questions: string[] } {
  const questions: string[] = [];
  return {
    questions,
    ask: (question) => {
      questions.push(question);
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`no answer left for "${question}"`);
      return Promise.resolve(answer);
    },
    close: () => undefined,
  };
}

describe('nova wizard vm on a terminal', () => {
  it('shows each default in brackets, keeps it on Enter, and re-asks a step with the rule it broke', async () => {
    const prompter = scripted([
      '', // Source [tiny]
      '0', // vCPUs: breaks the NovaFile's rule
      '2Gi', // Memory
      '2', // vCPUs, again
      '', // Memory [2Gi]
      '-', // no extra disks
      '', // Network [default]
      'bios', // Firmware
      'y', // Secure Boot: needs UEFI
      '', // TPM
      'uefi', // Firmware, again
      '', // Secure Boot [y]
      '', // TPM [n]
      'kvm', // Accelerator: KVM does not work here
      'tcg',
    ]);
    const said: string[] = [];
    const answers = await interview(defaultAnswers('t1', 'tiny', CONTEXT), CONTEXT, prompter, (text) => {
      said.push(text);
    });
    expect(prompter.questions.slice(0, 3)).toEqual([
      'Source (template, iso, disk, tiny) [tiny]: ',
      'vCPUs [1]: ',
      'Memory [128Mi]: ',
    ]);
    expect(said).toContain('  ✗ cpu: a VM needs at least one vCPU');
    expect(said.some((line) => line.startsWith('  ✗ secureBoot: Secure Boot needs UEFI firmware'))).toBe(
      true,
    );
    expect(said.some((line) => line.startsWith('  ✗ accelerator: KVM cannot run VMs on this host'))).toBe(
      true,
    );
    expect(answers).toMatchObject({
      name: 't1',
      source: 'tiny',
      cpu: 2,
      memory: '2Gi',
      disks: [],
      network: 'default',
      firmware: 'uefi',
      secureBoot: true,
      tpm: false,
      accelerator: 'tcg',
    });
  });

  it('asks the name only when the one given breaks a rule', async () => {
    const prompter = scripted(['', 'free', '', '', '-', '', '', '', '', 'tcg']);
    const answers = await interview(
      defaultAnswers('taken', 'tiny', CONTEXT),
      CONTEXT,
      prompter,
      () => undefined,
    );
    expect(prompter.questions[1]).toBe('Name [taken]: ');
    expect(answers.name).toBe('free');
  });

  it('asks a template’s storage pool from the host’s pools, nova-disks first, and re-asks an unknown one', async () => {
    const context: WizardContext = {
      ...CONTEXT,
      templates: [
        {
          id: 'debian-12',
          name: 'Debian 12',
          description: '',
          cpu: 2,
          memory: '2Gi',
          disk: '20Gi',
          firmware: 'bios',
          secureBoot: false,
          cloudInit: true,
          imageFormat: 'qcow2',
          failedChecks: [],
        },
      ],
      pools: [
        {
          name: 'nova-disks',
          path: '/var/lib/nova/disks',
          isDefault: true,
          exists: false,
          active: false,
          madeByNova: true,
        },
        { name: 'fast', path: '/srv/fast', isDefault: false, exists: true, active: true, madeByNova: false },
      ],
    };
    const prompter = scripted([
      '', // Source [template]
      '', // Template [debian-12]
      '', // vCPUs
      '', // Memory
      'nowhere', // Storage pool: not a pool of the host
      '-', // Extra disks
      'fast', // Storage pool, again
      '', // Extra disks
      '', // Network
      '', // Firmware
      '', // Secure Boot
      '', // TPM
      '', // Accelerator
      '', // User
      '', // SSH key file
    ]);
    const said: string[] = [];
    const answers = await interview(
      defaultAnswers('vm1', 'template', context, 'debian-12'),
      context,
      prompter,
      (text) => {
        said.push(text);
      },
    );
    expect(prompter.questions[4]).toBe('Storage pool for the template’s image [nova-disks]: ');
    expect(said).toContain('  nova-disks — /var/lib/nova/disks (will be created)');
    expect(said).toContain('  fast — /srv/fast');
    expect(said).toContain(
      '  ✗ pool: there is no storage pool named "nowhere" on this host (choose one of: nova-disks (made on first use), fast)',
    );
    expect(prompter.questions[6]).toBe('Storage pool for the template’s image [nowhere]: ');
    expect(answers.pool).toBe('fast');
  });
});
