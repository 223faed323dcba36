// Component tests of the renderers (#15): jsdom, Preact's JSX through @swc/jest. marked ships only
// ES modules, so it is transformed too; the rest of node_modules loads as CommonJS.
const preset = require('../../jest.preset.js');

const swc = {
  jsc: {
    parser: { syntax: 'typescript', tsx: true },
    transform: { react: { runtime: 'automatic', importSource: 'preact' } },
    target: 'es2022',
    baseUrl: __dirname + '/../..',
    paths: require('../../tsconfig.base.json').compilerOptions.paths,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  displayName: 'viewer',
  setupFiles: [...preset.setupFiles, '<rootDir>/test/setup-jsdom.ts'],
  testEnvironment: 'jsdom',
  // Preact and its testing library resolve to their CommonJS builds under Jest.
  testEnvironmentOptions: { customExportConditions: ['require', 'default'] },
  transform: { '^.+\\.(tsx?|jsx?|mjs)$': ['@swc/jest', swc] },
  transformIgnorePatterns: ['/node_modules/(?!(marked)/)'],
  moduleFileExtensions: ['tsx', 'ts', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/test/**/*.spec.tsx', '<rootDir>/test/**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/viewer',
};
