module.exports = {
  displayName: 'merkle',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/merkle',
};
