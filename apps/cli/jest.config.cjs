module.exports = {
  displayName: 'cli',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/cli',
  // Suites spawn the CLI, proxies and fake agents as processes and open real databases; on a
  // loaded 2-core machine that takes seconds. Waits poll for outcomes; this only bounds a hung test.
  testTimeout: 120_000,
};
