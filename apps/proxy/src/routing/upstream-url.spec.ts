import { joinUpstreamPath, parseUpstreamBase, resolveDotSegments } from './upstream-url';

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

  it.each([
    { name: 'climbing out of an agent prefix', base: 'https://gw.example/tenant/v1', path: '/agents/x/../../admin', want: '/tenant/v1/admin' },
    { name: 'percent-encoded dot-segments', base: 'https://gw.example/tenant/v1', path: '/%2e%2e/%2E%2e/.%2e/admin?x=..', want: '/tenant/v1/admin?x=..' },
    { name: 'more .. than segments', base: 'https://gw.example/tenant', path: '/a/../../../../etc/passwd', want: '/tenant/etc/passwd' },
    { name: 'a single dot', base: 'https://api.openai.com', path: '/v1/./chat/completions', want: '/v1/chat/completions' },
    { name: 'a trailing ..', base: 'https://api.openai.com', path: '/v1/chat/..', want: '/v1/' },
    { name: 'dots inside a segment are not dot-segments', base: 'https://api.openai.com', path: '/v1/files/a..b/.hidden', want: '/v1/files/a..b/.hidden' },
  ])('resolves dot-segments before joining, never above the base (#13): $name', ({ base, path, want }) => {
    expect(joinUpstreamPath(parseUpstreamBase(base), path)).toBe(want);
  });

  it('leaves a path without dot-segments byte for byte', () => {
    for (const path of ['/v1/messages?beta=true', '/v1//x/%2F/y', '/v1/a%2e/b', '/.well-known/x']) expect(resolveDotSegments(path)).toBe(path);
  });

  it('dispatches to the base origin', () => {
    expect(parseUpstreamBase('https://api.openai.com/v1').origin).toBe('https://api.openai.com');
    expect(parseUpstreamBase('http://127.0.0.1:11434').origin).toBe('http://127.0.0.1:11434');
  });
});
