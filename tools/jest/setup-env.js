// Loaded before every test file (jest.preset.js): deterministic time zone for timestamps and cursors.
process.env.TZ = 'UTC';
