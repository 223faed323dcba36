// The viewer (#15) end to end in a real browser: Chromium from the Debian package, driven by
// playwright-core, against the proxy and ingest started from their bundles (dist/apps/<app>/main.js,
// with the viewer's build beside them). `nx test viewer-e2e` builds them first; the global setup
// rebuilds a bundle older than its sources (the viewer's included), so a direct jest run is fresh too.
module.exports = {
  displayName: 'viewer-e2e',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/viewer-e2e',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 180_000,
  // One browser at a time: the 2,000-turn timing is not shared with another suite's browser.
  maxWorkers: 1,
};
