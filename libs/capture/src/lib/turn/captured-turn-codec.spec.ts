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
    responseChunks: [[0, 322], [4, 900], [6, 901]],
    ...overrides,
  };
}

describe('captured turn encoding (journal and spool records)', () => {
  it.each([
    { name: 'a full turn with binary bodies', value: turn() },
    { name: 'a turn without agent, project, first byte, content encoding or chunk timing', value: turn({ agentName: undefined, interruption: undefined, firstByteAt: undefined, responseContentEncoding: undefined, responseContentType: undefined, responseChunks: undefined }) },
    { name: 'a turn with empty bodies', value: turn({ requestBody: Buffer.alloc(0), responseBody: Buffer.alloc(0) }) },
  ])('round-trips $name unchanged', ({ value }) => {
    const back = decodeCapturedTurn(encodeCapturedTurn(value));
    expect(back).toEqual(value);
    expect(Buffer.from(back.requestBody).equals(value.requestBody)).toBe(true);
    expect(Buffer.from(back.responseBody).equals(value.responseBody)).toBe(true);
  });

  it('decodes a record written before chunk timing existed (#16): journals survive the upgrade', () => {
    // Written by the codec of f320113 (no responseChunks field), kept byte for byte.
    const v3 =
      'AAABsXsicmVxdWVzdElkIjoicmVxLXYzIiwic2l0ZSI6InByb3h5IiwicHJvdmlkZXIiOiJhbnRocm9waWMiLCJhcGkiOiJhbnRocm9waWMubWVzc2FnZXMiLCJtZXRob2QiOiJQT1NUIiwicGF0aCI6Ii92MS9tZXNzYWdlcyIsInN0YXR1cyI6MjAwLCJyZXF1ZXN0SGVhZGVycyI6eyJjb250ZW50LXR5cGUiOiJhcHBsaWNhdGlvbi9qc29uIn0sInJlc3BvbnNlSGVhZGVycyI6eyJjb250ZW50LXR5cGUiOiJ0ZXh0L2V2ZW50LXN0cmVhbSJ9LCJyZXNwb25zZUNvbnRlbnRUeXBlIjoidGV4dC9ldmVudC1zdHJlYW0iLCJ2IjozLCJyZXF1ZXN0Qm9keUJ5dGVzIjoxMywic3RhcnRlZEF0IjoiMjAyNi0wMS0wMlQwMzowNDowNS42NzhaIiwiZmlyc3RCeXRlQXQiOiIyMDI2LTAxLTAyVDAzOjA0OjA2LjAwMFoiLCJlbmRlZEF0IjoiMjAyNi0wMS0wMlQwMzowNDowNy4wMDBaIn17Im1vZGVsIjoibSJ9ZGF0YTogeAoK';
    const back = decodeCapturedTurn(Buffer.from(v3, 'base64'));
    expect(back).toMatchObject({ requestId: 'req-v3', api: 'anthropic.messages', status: 200, startedAt: new Date('2026-01-02T03:04:05.678Z') });
    expect(back.responseChunks).toBeUndefined();
    expect(Buffer.from(back.requestBody).toString()).toBe('{"model":"m"}');
    expect(Buffer.from(back.responseBody).toString()).toBe('data: x\n\n');
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
