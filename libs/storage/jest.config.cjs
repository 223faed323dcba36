const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'storage',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/storage',
  // @prisma/schema-engine-wasm ships ESM only ("type": "module"); let swc turn its bindings into
  // CommonJS like our own sources (Jest's module loader has no require(esm)).
  transformIgnorePatterns: ['/node_modules/(?!@prisma/schema-engine-wasm/)'],
  transform: preset.transform,
  // Real databases: migrations, 10k-node chains and concurrency tests take seconds, not ms.
  testTimeout: 60_000,
};
