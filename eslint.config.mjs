import nx from '@nx/eslint-plugin';

/**
 * Dependencies point one way (design §2): apps → libs, never back; within libs
 * model (llm types) ← domain (merkle, capture) ← infra (storage, nest-kit).
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
            { sourceTag: 'layer:model', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:domain', onlyDependOnLibsWithTags: ['layer:model', 'layer:domain', 'type:test-util'] },
            { sourceTag: 'layer:infra', onlyDependOnLibsWithTags: ['layer:model', 'layer:domain', 'layer:infra', 'type:test-util'] },
          ],
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
