module.exports = {
  displayName: 'viewer-server',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/viewer-server',
};
