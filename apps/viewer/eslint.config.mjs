import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['test/**/*.ts', 'test/**/*.tsx'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
