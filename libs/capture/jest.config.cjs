module.exports = {
  displayName: 'capture',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/capture',
};
