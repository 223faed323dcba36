module.exports = {
  displayName: 'sidecar',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/sidecar',
};
