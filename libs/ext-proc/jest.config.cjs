module.exports = {
  displayName: 'ext-proc',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/ext-proc',
};
