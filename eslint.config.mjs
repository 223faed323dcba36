import nx from '@nx/eslint-plugin';

/**
 * Dependencies point one way (design §2): apps → libs, never back; within libs
 * model (llm types) ← domain (merkle, capture) ← infra (storage, nest-kit); tools → libs.
 */
export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/generated/**', '**/*.cjs', '**/*.cts', 'tmp/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'type:test-util', onlyDependOnLibsWithTags: ['type:lib'] },
            // tools/ (benches, build and CI scripts) uses the libs through their public entries;
            // no project lists type:tool, so nothing depends on tools.
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:test-util'] },
            { sourceTag: 'layer:model', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:model', 'layer:domain', 'type:test-util'] },
            { sourceTag: 'layer:infra', onlyDependOnLibsWithTags: ['layer:model', 'layer:domain', 'layer:infra', 'type:test-util'] },
          ],
        },
      ],
      // The rule above sees import declarations, import() and require(), not a type written as
      // `typeof import('…')`: a relative or absolute path into libs/, apps/ or tools/ there would
      // reach past a project's public entry unseen.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'TSImportType[argument.literal.value=/^(\\.\\.\\/)+(libs|apps|tools)\\/|^\\//]',
          message: "A type from another project comes through its alias (typeof import('@tapes/…')), not a path into its folder.",
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/test/**/*.ts', '**/test/**/*.tsx', 'tools/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
