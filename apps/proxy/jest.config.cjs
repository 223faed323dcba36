module.exports = {
  displayName: 'proxy',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/proxy',
  // The suites under test/ run the real app against real sockets and databases, and wait for
  // turns to be stored by a background thread; on a loaded CI machine that can take seconds.
  testTimeout: 60_000,
};
