import baseConfig from '../eslint.config.mjs';

export default [
  ...baseConfig,
  // Benches and scripts report on the console. (The root config's `tools/**` pattern does not
  // match here: patterns are relative to the folder of the config ESLint loaded.)
  {
    files: ['**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
