module.exports = {
  displayName: 'replay',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/replay',
};
