import type { CapturedTurn } from './captured-turn';
import { CapturedTurnCodecError, decodeCapturedTurn, encodeCapturedTurn } from './captured-turn-codec';

function turn(overrides: Partial<CapturedTurn> = {}): CapturedTurn {
  return {
    requestId: 'req-1',
    site: 'proxy',
    provider: 'anthropic',
    api: 'anthropic.messages',
    agentName: 'claude',
    method: 'POST',
    path: '/v1/messages?beta=true',
    status: 200,
    requestHeaders: { 'content-type': 'application/json', 'x-api-key': '[redacted]', 'set-cookie': ['[redacted]', '[redacted]'] },
    requestBody: Buffer.from('{"model":"m","messages":[]}'),
    responseHeaders: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
    responseBody: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x0a]),
    responseContentType: 'text/event-stream',
    responseContentEncoding: 'gzip',
    interruption: { reason: 'client_disconnect', detail: 'gone' },
    startedAt: new Date('2026-01-02T03:04:05.678Z'),
    firstByteAt: new Date('2026-01-02T03:04:06.000Z'),
    endedAt: new Date('2026-01-02T03:04:07.000Z'),
    ...overrides,
  };
}

describe('captured turn encoding (journal and spool records)', () => {
  it.each([
    { name: 'a full turn with binary bodies', value: turn() },
    { name: 'a turn without agent, project, first byte or content encoding', value: turn({ agentName: undefined, interruption: undefined, firstByteAt: undefined, responseContentEncoding: undefined, responseContentType: undefined }) },
    { name: 'a turn with empty bodies', value: turn({ requestBody: Buffer.alloc(0), responseBody: Buffer.alloc(0) }) },
  ])('round-trips $name unchanged', ({ value }) => {
    const back = decodeCapturedTurn(encodeCapturedTurn(value));
    expect(back).toEqual(value);
    expect(Buffer.from(back.requestBody).equals(value.requestBody)).toBe(true);
    expect(Buffer.from(back.responseBody).equals(value.responseBody)).toBe(true);
  });

  it.each([
    { name: 'shorter than its length prefix', payload: Buffer.from([0, 0]) },
    { name: 'shorter than its header', payload: Buffer.from([0, 0, 1, 0, 0x7b]) },
    { name: 'whose header is not JSON', payload: Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]) },
    { name: 'of another version', payload: Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('{"v":99}')]) },
  ])('refuses a payload $name', ({ payload }) => {
    expect(() => decodeCapturedTurn(payload)).toThrow(CapturedTurnCodecError);
  });
});
