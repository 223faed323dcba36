// One Jest preset for every project: @swc/jest transforms TypeScript (with the decorator metadata
// NestJS needs) far faster than ts-jest; type checking is the separate `typecheck` target.
const path = require('node:path');
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          baseUrl: __dirname,
          paths: require('./tsconfig.base.json').compilerOptions.paths,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Every test file runs with UTC so timestamps in assertions and cursors are stable.
  setupFiles: [path.join(__dirname, 'tools/jest/setup-env.js')],
};
