// @ts-check
import { builtinModules } from 'node:module';

import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// No shell strings anywhere: processes are started with argv arrays (execFile/spawn without a shell).
// A files block that sets no-restricted-imports replaces these options, so every block repeats them.
const noShell = ['child_process', 'node:child_process'].map((name) => ({
  name,
  importNames: ['exec', 'execSync'],
  message: 'Use execFile/spawn with an argv array.',
}));

/** @param {{ paths?: object[], patterns?: object[] }} restrictions */
const restrictImports = ({ paths = [], patterns = [] }) => [
  'error',
  { paths: [...noShell, ...paths], patterns },
];

// The boundaries between the packages (docs/architecture.md, "Layout").
const noApps = {
  regex: '^(@nova/(helper|main|cli|renderer|e2e)(/|$)|\\.{1,2}/(.*/)?(apps|e2e)/)',
  message: 'packages/core imports no app: apps depend on core, never the other way.',
};
const noHelper = {
  regex: '^(@nova/helper(/|$)|\\.{1,2}/(.*/)?(apps/)?helper(/|$))',
  message: 'Only the privileged helper (apps/helper) runs its code: ask it over D-Bus (the helper client).',
};
/**
 * @param {string[]} entries the entry points of @nova/core besides `@nova/core` that may be imported
 * @param {string} [why] what to say instead of listing them
 */
const coreEntriesOnly = (entries, why) => ({
  regex: `^(@nova/core/(?!(${entries.join('|')})$)|\\.{1,2}/(.*/)?packages/core(/|$))`,
  message:
    why ??
    `Import @nova/core only through its entry points: @nova/core, ${entries.map((e) => `@nova/core/${e}`).join(', ')}.`,
});
const browserOnly = {
  paths: [
    { name: 'electron', message: 'The renderer reaches main only through window.nova (the preload).' },
    ...builtinModules.map((name) => ({ name, message: 'The renderer never touches Node.' })),
  ],
  patterns: [{ regex: '^node:', message: 'The renderer never touches Node.' }],
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'test-results/**',
      'playwright-report/**',
      'apps/cli/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      eqeqeq: 'error',
      'no-restricted-imports': restrictImports({}),
      'no-restricted-syntax': [
        'error',
        {
          selector: "Property[key.name='shell'][value.value=true]",
          message: 'Never start a process through a shell; pass an argv array.',
        },
      ],
    },
  },
  {
    files: ['apps/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  // Import boundaries. packages/core: the contract, models, pure logic and unprivileged adapters.
  {
    files: ['packages/core/**'],
    rules: {
      'no-restricted-imports': restrictImports({
        paths: ['electron', 'react', 'react-dom', 'commander'].map((name) => ({
          name,
          message: 'packages/core has no Electron, React or CLI imports.',
        })),
        patterns: [noApps],
      }),
    },
  },
  // The helper: core through its entry points.
  {
    files: ['apps/helper/**'],
    rules: {
      'no-restricted-imports': restrictImports({
        patterns: [coreEntriesOnly(['contract', 'names', 'node'])],
      }),
    },
  },
  // The unprivileged apps, the scripts and the repository's config: no helper code. (e2e may: its
  // integration tests run the helper's modules directly.)
  {
    files: ['apps/cli/**', 'apps/main/**', 'apps/renderer/**'],
    rules: {
      'no-restricted-imports': restrictImports({
        patterns: [noHelper, coreEntriesOnly(['contract', 'names', 'node'])],
      }),
    },
  },
  {
    files: ['scripts/**', '*.{js,mjs,cjs,ts}'],
    rules: { 'no-restricted-imports': restrictImports({ patterns: [noHelper] }) },
  },
  // The renderer is browser code: the browser-safe entry points of core, no Node, no Electron.
  {
    files: ['apps/renderer/src/**'],
    rules: {
      'no-restricted-imports': restrictImports({
        paths: browserOnly.paths,
        patterns: [
          noHelper,
          coreEntriesOnly(
            ['contract', 'names'],
            'The renderer is browser code: import @nova/core, @nova/core/contract or @nova/core/names, never @nova/core/node or a path inside core.',
          ),
          ...browserOnly.patterns,
        ],
      }),
    },
  },
  // Source files stay short enough to read whole; tests may be longer.
  {
    files: ['apps/*/src/**', 'packages/*/src/**', 'scripts/**', 'e2e/support/**'],
    rules: { 'max-lines': ['error', { max: 600, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
