module.exports = {
  displayName: 'nest-kit',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/nest-kit',
};
