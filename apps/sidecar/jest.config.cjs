module.exports = {
  displayName: 'sidecar',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/sidecar',
  // Suites start real processes, sockets and databases; on a loaded 2-core machine a wait for an
  // outcome can take seconds (#10). Waits poll for outcomes; this only bounds a hung test.
  testTimeout: 60_000,
};
