import { redactHeaders } from './redaction';

describe('redactHeaders', () => {
  it('replaces credential values, keeps the rest, lower-cases names and keeps multi-value counts', () => {
    const out = redactHeaders({
      Authorization: 'Bearer sk-secret',
      'X-Api-Key': 'sk-ant-123',
      Cookie: 'session=abc',
      'Set-Cookie': ['a=1', 'b=2'],
      'x-custom-token': 'tok',
      'Proxy-Authorization': 'Basic eA==',
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'content-length': 12 as unknown as string,
    });
    expect(out).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      'set-cookie': ['[redacted]', '[redacted]'],
      'x-custom-token': '[redacted]',
      'proxy-authorization': '[redacted]',
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'content-length': '12',
    });
    expect(JSON.stringify(out)).not.toMatch(/sk-|session=|tok"|eA==/);
  });
});
