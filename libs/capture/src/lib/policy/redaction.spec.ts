import fc from 'fast-check';
import { REDACTED, isRedacted, isSecretHeader, redactHeaders, redactQuery, redactUrl, redactedMarker } from './redaction';
import { SECRET_SHAPES } from './secret-shapes';

const ANTHROPIC_KEY = 'sk-ant-api03-Zx9kQ2mWv7LpR4tYb8NcE1fHj6GsD3aU0oKiPq5XyTzVwMnBvCx_Lk-AA';
const UUID = '3f0b6a52-1c2d-4e8f-9a7b-5c6d7e8f9a0b';

const chars = (alphabet: string, min: number, max: number) => fc.stringMatching(new RegExp(`^[${alphabet}]{${min},${max}}$`));
/** Fresh secrets of the value shapes that need no particular name (one arbitrary per vendor prefix). */
const secretArbitrary = fc.oneof(
  chars('A-Za-z0-9_-', 20, 90).map((s) => `sk-ant-api03-${s}`),
  chars('A-Za-z0-9_-', 20, 90).map((s) => `sk-proj-${s}7`),
  chars('A-Za-z0-9_-', 35, 35).map((s) => `AIza${s}`),
  fc.tuple(chars('A-Za-z0-9_-', 8, 40), chars('A-Za-z0-9_-', 8, 40), chars('A-Za-z0-9_-', 0, 40)).map(([h, p, s]) => `eyJ${h}.${p}.${s}`),
  chars('A-Z0-9', 16, 16).map((s) => `ASIA${s}`),
  chars('A-Za-z0-9', 36, 50).map((s) => `ghp_${s}`),
  chars('A-Za-z0-9-', 10, 40).map((s) => `xoxb-${s}`),
);

describe('redactHeaders', () => {
  // Every header named in #13, and the credentials the old deny-list already caught.
  const credentialNamed: ReadonlyArray<{ name: string; value: string }> = [
    { name: 'authorization', value: `Bearer ${ANTHROPIC_KEY}` },
    { name: 'Proxy-Authorization', value: 'Basic eA==' },
    { name: 'cookie', value: 'session=abc' },
    { name: 'x-api-key', value: 'k' },
    { name: 'api-key', value: 'azure-openai-key' },
    { name: 'x-goog-api-key', value: 'gkey' },
    { name: 'ocp-apim-subscription-key', value: '0123456789abcdef0123456789abcdef' },
    { name: 'anthropic-api-key', value: 'k' },
    { name: 'openai-api-key', value: 'k' },
    { name: 'x-amz-security-token', value: 'FwoGZXIvYXdzEJr' },
    { name: 'chatgpt-account-id', value: 'acct' },
    { name: 'x-anthropic-key', value: 'plain-looking' },
    { name: 'x-access-key', value: 'plain-looking' },
    { name: 'x-credential', value: 'plain-looking' },
    { name: 'x-private-key', value: 'plain-looking' },
    { name: 'x-jwt', value: 'plain-looking' },
    { name: 'x-signature', value: 'plain-looking' },
    { name: 'x-custom-bearer', value: 'Bearer 0d4c8f2e9b7a6c5d' },
    { name: 'x-custom-token', value: 'tok' },
    { name: 'x-auth-token', value: 'tok' },
    { name: 'x-client-secret', value: 's' },
    { name: 'x-password', value: 'p' },
    { name: 'x-passwd', value: 'p' },
    { name: 'x-apikey', value: 'k' },
    { name: 'X_Access_Token', value: 'k' },
  ];
  // By value, whatever the name.
  const secretValued: ReadonlyArray<{ name: string; value: string }> = [
    { name: 'x-trace-context', value: 'Bearer 0d4c8f2e9b7a6c5d' },
    { name: 'x-trace-context', value: 'Bearer abc' },
    { name: 'x-trace-context', value: 'basic dXNlcjpwYXNz' },
    { name: 'x-trace-context', value: `token=${ANTHROPIC_KEY};` },
    ...SECRET_SHAPES.map(({ example }) => ({ name: 'x-note', value: `see ${example} here` })),
  ];
  const redactedHeaders = [...credentialNamed, ...secretValued];

  it.each(redactedHeaders)('redacts $name: $value', ({ name, value }) => {
    expect(redactHeaders({ [name]: value })).toEqual({ [name.toLowerCase()]: `[redacted:${value.length}]` });
  });

  // Identifiers users need, and ordinary headers no fragment may catch.
  const keptHeaders: ReadonlyArray<{ name: string; value: string }> = [
    { name: 'x-claude-code-session-id', value: UUID },
    { name: 'x-claude-code-agent-id', value: 'agent-1' },
    { name: 'session-id', value: UUID },
    { name: 'thread-id', value: UUID },
    { name: 'x-request-id', value: 'req_011CV4b2Z8' },
    { name: 'request-id', value: 'req_011CV4b2Z8' },
    { name: 'anthropic-version', value: '2023-06-01' },
    { name: 'anthropic-beta', value: 'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14' },
    { name: 'openai-organization', value: 'org-abc123' },
    { name: 'openai-project', value: 'proj_abc123' },
    { name: 'x-tapes-harness-session-id', value: UUID },
    { name: 'x-tapes-session-name', value: 'refactor auth module' },
    { name: 'x-tapes-parent-harness-session-id', value: UUID },
    { name: 'idempotency-key', value: `stainless-python-retry-${UUID}` },
    { name: 'content-type', value: 'application/json' },
    { name: 'accept', value: 'application/json' },
    { name: 'accept-encoding', value: 'gzip, deflate, br, zstd' },
    { name: 'user-agent', value: 'claude-cli/2.1.3 (external, cli)' },
    { name: 'keep-alive', value: 'timeout=5' },
    { name: 'connection', value: 'keep-alive' },
    { name: 'x-stainless-lang', value: 'js' },
    { name: 'x-stainless-package-version', value: '0.60.0' },
    { name: 'x-stainless-retry-count', value: '0' },
    { name: 'x-stainless-helper-method', value: 'stream' },
    { name: 'anthropic-ratelimit-input-tokens-remaining', value: '400000' },
    { name: 'x-ratelimit-remaining-tokens', value: '149984' },
    { name: 'www-authenticate', value: 'Bearer realm="api", error="invalid_token"' },
    { name: ':authority', value: 'api.anthropic.com' },
    { name: ':path', value: '/agents/claude-code/v1/messages' },
    { name: 'x-task-id', value: 'task-0123456789abcdefghijkl' },
    { name: 'x-author', value: 'basic usage of the api' },
  ];

  it.each(keptHeaders)('keeps $name', ({ name, value }) => {
    expect(redactHeaders({ [name]: value })).toEqual({ [name]: value });
  });

  it('lower-cases names, stringifies numbers, skips undefined and keeps the count of multi-value headers', () => {
    expect(redactHeaders({ 'Set-Cookie': ['a=1', 'bb=22'], 'Content-Length': 12, 'x-absent': undefined })).toEqual({
      'set-cookie': ['[redacted:3]', '[redacted:5]'],
      'content-length': '12',
    });
    expect(redactHeaders(undefined)).toEqual({});
  });

  it('redacts one value of a multi-value header by its shape and keeps the others', () => {
    expect(redactHeaders({ 'x-forwarded-note': ['plain', ANTHROPIC_KEY] })).toEqual({ 'x-forwarded-note': ['plain', `[redacted:${ANTHROPIC_KEY.length}]`] });
  });

  it('counts the length of a redacted value in characters, not UTF-16 units', () => {
    expect(redactedMarker('sk-🔑')).toBe('[redacted:4]');
    expect(redactHeaders({ 'x-api-key': 'x'.repeat(41) })).toEqual({ 'x-api-key': '[redacted:41]' });
  });

  it('applies redactUrl to URL-valued headers', () => {
    expect(
      redactHeaders({
        ':path': '/v1/models/g:generateContent?key=AIza1',
        location: 'https://u:pw@h/x?sig=abc',
        referer: `https://h/v1/x?beta=true&q=${ANTHROPIC_KEY}`,
      }),
    ).toEqual({
      ':path': '/v1/models/g:generateContent?key=%5Bredacted%3A5%5D',
      location: 'https://u:%5Bredacted%3A2%5D@h/x?sig=%5Bredacted%3A3%5D',
      referer: `https://h/v1/x?beta=true&q=%5Bredacted%3A${ANTHROPIC_KEY.length}%5D`,
    });
  });

  it('never redacts a marker again, so ingest can re-redact what a site redacted (and rows written before #13)', () => {
    const once = redactHeaders({ authorization: `Bearer ${ANTHROPIC_KEY}`, 'x-api-key': REDACTED });
    expect(redactHeaders(once)).toEqual(once);
    expect(once['x-api-key']).toBe('[redacted]');
    expect(isRedacted('[redacted:108]')).toBe(true);
    expect(isRedacted('[redacted:x]')).toBe(false);
  });

  it('reads names after normalisation: case, underscores and camelCase alike', () => {
    expect(['X-Api-Key', 'x_api_key', 'xApiKey', 'x-anthropic-key'].every(isSecretHeader)).toBe(true);
    expect(['keep-alive', 'x-session', 'x-claude-code-session-id', 'monkey', ':authority'].some(isSecretHeader)).toBe(false);
  });

  const headerName = fc.oneof(
    fc.constantFrom(...redactedHeaders.map((h) => h.name), ...keptHeaders.map((h) => h.name)),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/),
  );
  const headerValue = fc.oneof(fc.string(), secretArbitrary, fc.constantFrom(...redactedHeaders.map((h) => h.value), ...keptHeaders.map((h) => h.value)));

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.dictionary(headerName, fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 }))), (headers) => {
        const once = redactHeaders(headers);
        expect(redactHeaders(once)).toEqual(once);
      }),
    );
  });

  it('never returns a secret-shaped value, whatever the header name', () => {
    fc.assert(
      fc.property(headerName, secretArbitrary, fc.string(), (name, secret, around) => {
        expect(JSON.stringify(redactHeaders({ [name]: `${around} ${secret} ${around}` }))).not.toContain(secret);
      }),
    );
  });

  it('never returns the value of a credential-named header', () => {
    fc.assert(
      fc.property(fc.constantFrom(...credentialNamed.map((h) => h.name)), fc.string({ minLength: 12 }), (name, value) => {
        expect(JSON.stringify(redactHeaders({ [name]: value }))).not.toContain(JSON.stringify(value).slice(1, -1));
      }),
    );
  });
});

describe('redactQuery', () => {
  const redactedParams = [
    'key',
    'api_key',
    'apikey',
    'apiKey',
    'access_token',
    'accessToken',
    'token',
    'secret',
    'password',
    'sig',
    'signature',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Goog-Signature',
    'client_secret',
    'clientSecret',
    'refresh_token',
    'id_token',
    'code',
    'auth',
  ];

  it.each(redactedParams)('redacts ?%s=', (name) => {
    expect(redactQuery(`/v1/messages?beta=true&${name}=s3cr3t&x=1`)).toBe(`/v1/messages?beta=true&${name}=%5Bredacted%3A6%5D&x=1`);
  });

  it.each(['beta', 'alt', 'max_tokens', 'pageToken', 'keyword', 'session_id', 'thread_id', 'q', 'monkey'])('keeps ?%s=', (name) => {
    expect(redactQuery(`/v1/messages?${name}=value`)).toBe(`/v1/messages?${name}=value`);
  });

  it.each([
    { name: 'a key-shaped value under an innocent name', path: `/v1/x?q=${ANTHROPIC_KEY}`, want: `/v1/x?q=%5Bredacted%3A${ANTHROPIC_KEY.length}%5D` },
    { name: 'a percent-encoded bearer value', path: '/v1/x?h=Bearer%20abc', want: '/v1/x?h=%5Bredacted%3A10%5D' },
    { name: 'a bare key as a parameter', path: `/v1/x?${ANTHROPIC_KEY}&a=1`, want: `/v1/x?%5Bredacted%3A${ANTHROPIC_KEY.length}%5D&a=1` },
    { name: 'a key in the path', path: `/hooks/${ANTHROPIC_KEY}/x?a=1`, want: `/hooks/%5Bredacted%3A${ANTHROPIC_KEY.length}%5D/x?a=1` },
    { name: 'the decoded length of an encoded value', path: '/x?key=a%2Fb%20c', want: '/x?key=%5Bredacted%3A5%5D' },
    { name: 'a malformed escape, measured as written', path: '/x?key=%E0%A4%A', want: '/x?key=%5Bredacted%3A8%5D' },
    { name: 'parameters in a fragment', path: '/cb#access_token=abc&state=s1', want: '/cb#access_token=%5Bredacted%3A3%5D&state=s1' },
    { name: 'untouched pairs byte-identical', path: '/x?b=%20a+b&&z&key=&a=%zz', want: '/x?b=%20a+b&&z&key=%5Bredacted%3A0%5D&a=%zz' },
    { name: 'a path without a query', path: '/v1/messages', want: '/v1/messages' },
  ])('$name', ({ path, want }) => {
    expect(redactQuery(path)).toBe(want);
  });

  const param = fc.oneof(fc.constantFrom(...redactedParams, 'beta', 'q', 'alt'), fc.stringMatching(/^[A-Za-z_%0-9-]{1,12}$/));
  const paramValue = fc.oneof(fc.stringMatching(/^[A-Za-z0-9%+._~-]{0,20}$/), secretArbitrary.map(encodeURIComponent));
  const query = fc.array(fc.tuple(param, paramValue), { maxLength: 6 }).map((pairs) => `/v1/messages?${pairs.map(([n, v]) => `${n}=${v}`).join('&')}`);

  it('is idempotent', () => {
    fc.assert(
      fc.property(query, (path) => {
        expect(redactQuery(redactQuery(path))).toBe(redactQuery(path));
      }),
    );
  });

  it('never returns a secret-shaped value, whatever the parameter name', () => {
    fc.assert(
      fc.property(param, secretArbitrary, (name, secret) => {
        const out = redactQuery(`/v1/x?a=1&${name}=${encodeURIComponent(secret)}`);
        expect(out).not.toContain(secret);
        expect(out).not.toContain(encodeURIComponent(secret));
      }),
    );
  });
});

describe('redactUrl', () => {
  it.each([
    {
      name: 'userinfo password, query and fragment redacted; scheme, host and port kept',
      url: 'https://user:hunter2@api.example.com:8443/v1/m?key=abc&beta=true#frag',
      want: 'https://user:%5Bredacted%3A7%5D@api.example.com:8443/v1/m?key=%5Bredacted%3A3%5D&beta=true#frag',
    },
    { name: 'the ingest token in a logged URL', url: 'http://127.0.0.1:8787/v1/turns?token=t0k', want: 'http://127.0.0.1:8787/v1/turns?token=%5Bredacted%3A3%5D' },
    {
      name: 'a token as the user name',
      url: 'https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/o/r.git',
      want: 'https://%5Bredacted%3A40%5D@github.com/o/r.git',
    },
    { name: 'a user name without a password', url: 'ftp://anonymous@h/x', want: 'ftp://anonymous@h/x' },
    { name: 'a plain URL untouched', url: 'https://api.anthropic.com/v1/messages?beta=true', want: 'https://api.anthropic.com/v1/messages?beta=true' },
    { name: 'a path, as redactQuery', url: '/v1beta/models/g:streamGenerateContent?alt=sse&key=AIza', want: '/v1beta/models/g:streamGenerateContent?alt=sse&key=%5Bredacted%3A4%5D' },
  ])('$name', ({ url, want }) => {
    expect(redactUrl(url)).toBe(want);
    expect(redactUrl(want)).toBe(want);
  });
});
