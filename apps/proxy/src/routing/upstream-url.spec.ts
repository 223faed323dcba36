import { joinUpstreamPath, parseUpstreamBase } from './upstream-url';

describe('joinUpstreamPath', () => {
  it.each([
    { name: 'origin-only base keeps the request path', base: 'https://api.openai.com', path: '/v1/chat/completions', want: '/v1/chat/completions' },
    { name: 'a base ending in /v1 is not doubled by a /v1 request path', base: 'https://api.openai.com/v1', path: '/v1/chat/completions', want: '/v1/chat/completions' },
    { name: 'a base path is prefixed when nothing overlaps', base: 'https://chatgpt.com/backend-api/codex', path: '/responses', want: '/backend-api/codex/responses' },
    { name: 'a multi-segment overlap is removed once', base: 'https://gw.example/openai/v1', path: '/openai/v1/chat/completions', want: '/openai/v1/chat/completions' },
    { name: 'the query string is kept', base: 'https://api.anthropic.com', path: '/v1/messages?beta=true', want: '/v1/messages?beta=true' },
    { name: 'the query string is kept behind a base path', base: 'https://api.openai.com/v1', path: '/v1/models?limit=2', want: '/v1/models?limit=2' },
    { name: 'the root path on an origin', base: 'http://localhost:11434', path: '/', want: '/' },
    { name: 'the root path on a base path', base: 'https://api.openai.com/v1', path: '/', want: '/v1/' },
    { name: 'the base path itself', base: 'https://api.openai.com/v1', path: '/v1', want: '/v1' },
    { name: 'a trailing slash on the base is ignored', base: 'https://api.openai.com/v1/', path: '/v1/responses', want: '/v1/responses' },
    { name: 'an overlap only counts at the start of the request path', base: 'https://host/v1', path: '/api/v1/chat', want: '/v1/api/v1/chat' },
  ])('$name', ({ base, path, want }) => {
    expect(joinUpstreamPath(parseUpstreamBase(base), path)).toBe(want);
  });

  it('dispatches to the base origin', () => {
    expect(parseUpstreamBase('https://api.openai.com/v1').origin).toBe('https://api.openai.com');
    expect(parseUpstreamBase('http://127.0.0.1:11434').origin).toBe('http://127.0.0.1:11434');
  });
});
