import { SECRET_SHAPES, findSecrets, holdsSecret } from './secret-shapes';

const found = (text: string) => findSecrets(text).map(({ start, end }) => text.slice(start, end));

describe('SECRET_SHAPES', () => {
  it.each(SECRET_SHAPES)('finds its example: $name', ({ example }) => {
    const secret = example.replace(/^(?:Bearer|Basic) /, '');
    expect(found(example)).toEqual([secret]);
    expect(found(`{"text":"the key is ${example}, keep it safe"}`)).toEqual([secret]);
  });

  it.each([
    { name: 'a word ending in sk', text: 'task-0123456789abcdefghijkl and desk-0123456789abcdefghijkl' },
    { name: 'a prefix inside an identifier', text: 'x_ghp_0123456789abcdefghijklmnopqrstuvwxyz mask-AIzaSyEXAMPLE0nly_Zx9kQ2mWv7LpR4tYb8Nc-' },
    { name: 'kebab-case prose after sk-', text: 'pip install sk-learn-compatible-interface-for-models' },
    { name: 'Bearer as a word', text: 'Bearer authentication is described in RFC 6750; the bearer tokens expire.' },
    { name: 'Basic as a word', text: 'Basic usage: Basic authentication sends Basic credentials' },
    { name: 'a challenge', text: 'WWW-Authenticate: Bearer realm="api", error="invalid_token"' },
    { name: 'an AWS-like run that is too long', text: 'AKIAIOSFODNN7EXAMPLEX ASIA is a word' },
    { name: 'ids and hashes', text: '3f0b6a52-1c2d-4e8f-9a7b-5c6d7e8f9a0b sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 msg_01XFDUDYJgAACzvnptvVoYEL' },
    { name: 'base64 JSON that is not a JWT', text: 'eyJhbGciOiJIUzI1NiJ9 alone' },
    { name: 'a public key', text: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----' },
  ])('finds nothing in $name', ({ text }) => {
    expect(found(text)).toEqual([]);
  });

  it('redacts only the token of a Bearer credential, once, when it is also a JWT', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJlLWV4YW1wbGU';
    expect(found(`authorization: bearer ${jwt}`)).toEqual([jwt]);
  });

  it('keeps a private key inside the JSON string it starts in', () => {
    const json = JSON.stringify({ a: 'x -----BEGIN RSA PRIVATE KEY-----\nMIIE\npq==\n-----END RSA PRIVATE KEY----- y', b: 'after' });
    const [pem] = found(json);
    expect(pem).toBe('-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\npq==\\n-----END RSA PRIVATE KEY-----');
  });

  it('redacts an unterminated private key (truncated tool output) up to the end of its base64 run', () => {
    expect(found('"-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXk\\nAAAA" and more')).toEqual([
      '-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXk\\nAAAA',
    ]);
  });

  it('finds an OpenPGP private key block', () => {
    const block = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0=\n-----END PGP PRIVATE KEY BLOCK-----';
    expect(found(`k: ${block}`)).toEqual([block]);
  });

  it('scans a megabyte of near misses in linear time (no pattern backtracks on long runs)', () => {
    const text = `${' '.repeat(300_000)}${'Bearer '.repeat(40_000)}${'sk-'.repeat(100_000)}${'eyJa'.repeat(50_000)}`;
    expect(findSecrets(text)).toEqual([]);
  });
});

describe('holdsSecret', () => {
  it.each([
    ['Bearer abc', true],
    ['basic eA==', true],
    ['  Bearer abc  ', true],
    ['Bearer realm="api"', false],
    ['Bearer', false],
    ['application/json', false],
    ['claude-cli/2.1.3 (external, cli)', false],
  ])('%s → %s', (value, want) => {
    expect(holdsSecret(value)).toBe(want);
  });
});
