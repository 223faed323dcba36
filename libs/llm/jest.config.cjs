module.exports = {
  displayName: 'llm',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/llm',
};
