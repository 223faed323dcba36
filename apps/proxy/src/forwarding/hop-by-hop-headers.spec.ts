import { clientResponseHeaders, upstreamRequestHeaders } from './hop-by-hop-headers';

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

describe('upstreamRequestHeaders', () => {
  it('drops hop-by-hop headers, the ones Connection lists, Host, Expect and every X-Tapes-* header', () => {
    const raw = [
      'Host', 'localhost:8080',
      'Connection', 'keep-alive, X-Hop',
      'Keep-Alive', 'timeout=5',
      'X-Hop', 'gone',
      'TE', 'trailers',
      'Trailer', 'X-Checksum',
      'Transfer-Encoding', 'chunked',
      'Upgrade', 'h2c',
      'Proxy-Authorization', 'Basic eA==',
      'Proxy-Connection', 'keep-alive',
      'Expect', '100-continue',
      'X-Tapes-Agent-Name', 'claude',
      'X-Tapes-Harness-Session-Id', 's-1',
      'x-tapes-cwd', '/home/me',
      'X-Tapes-Something-Newer', 'x',
      'Authorization', 'Bearer sk-1',
      'Content-Type', 'application/json',
    ];
    expect(pairs(upstreamRequestHeaders(raw, 'keep-alive, X-Hop'))).toEqual([
      ['Authorization', 'Bearer sk-1'],
      ['Content-Type', 'application/json'],
    ]);
  });

  it('keeps repeated headers, their order and the name case, and forwards Accept-Encoding as sent', () => {
    const raw = ['Accept-Encoding', 'gzip, br', 'X-Multi', 'a', 'x-multi', 'b', 'Content-Length', '12'];
    expect(upstreamRequestHeaders(raw, undefined)).toEqual(raw);
  });
});

describe('clientResponseHeaders', () => {
  it('drops hop-by-hop headers both ways and keeps Set-Cookie values separate', () => {
    expect(
      clientResponseHeaders({
        connection: 'close, x-upstream-hop',
        'x-upstream-hop': '1',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'proxy-authenticate': 'Basic',
        trailer: 'x-sum',
        upgrade: 'websocket',
        'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
        'content-type': 'text/event-stream',
        'content-encoding': 'gzip',
        'request-id': 'req_1',
      }),
    ).toEqual({
      'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
      'content-type': 'text/event-stream',
      'content-encoding': 'gzip',
      'request-id': 'req_1',
    });
  });
});
