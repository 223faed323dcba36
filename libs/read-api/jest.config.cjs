module.exports = {
  displayName: 'read-api',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/read-api',
};
