module.exports = {
  displayName: 'proxy',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/proxy',
};
