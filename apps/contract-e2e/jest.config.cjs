// The suites drive the three apps as real child processes started from their bundles
// (dist/apps/<app>/main.js, what `nx serve <app>` runs). `nx test contract-e2e` builds them first
// (project.json dependsOn); the global setup rebuilds any bundle older than its sources, so a
// direct `npx jest -c apps/contract-e2e/jest.config.cjs` never runs stale code. The global
// teardown prints the matrix sizes and the fault-suite counts of the run in one table.
module.exports = {
  displayName: 'contract-e2e',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/contract-e2e',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
