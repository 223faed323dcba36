module.exports = {
  displayName: 'export',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/export',
  // The OTLP exporter loads node:http with a dynamic import(), which Jest's CommonJS sandbox only
  // runs under --experimental-vm-modules; compiled to require() (as swc does for our own code) it
  // runs as it does under plain Node, where `tapes export` runs it untransformed.
  transformIgnorePatterns: ['/node_modules/(?!@opentelemetry/otlp-exporter-base/)'],
};
