import { decodeSpooledTurn, encodeSpooledTurn, SpooledTurnError } from './spooled-turn';
import type { PendingTurn } from './pending-turn';

function turn(overrides: Partial<PendingTurn> = {}): PendingTurn {
  return {
    requestId: 'req-1',
    provider: 'anthropic',
    api: 'anthropic.messages',
    agentName: 'claude',
    project: 'tapes',
    method: 'POST',
    path: '/v1/messages?beta=true',
    status: 200,
    requestHeaders: { 'content-type': 'application/json', 'x-api-key': '[redacted]', 'set-cookie': ['[redacted]', '[redacted]'] },
    requestBody: Buffer.from('{"model":"m","messages":[]}'),
    responseHeaders: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
    responseBody: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x0a]),
    responseContentType: 'text/event-stream',
    responseContentEncoding: 'gzip',
    response: {
      model: 'claude-sonnet-4-5',
      message: { role: 'assistant', content: [{ type: 'text', text: 'hi' }, { type: 'tool_use', tool_use_id: 'toolu_1', tool_name: 'Read', tool_input: { path: '/x' } }] },
      done: false,
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      diagnostics: [{ code: 'interrupted', detail: 'client_disconnect: gone', data: { reason: 'client_disconnect' } }],
    },
    startedAt: new Date('2026-01-02T03:04:05.678Z'),
    firstByteAt: new Date('2026-01-02T03:04:06.000Z'),
    endedAt: new Date('2026-01-02T03:04:07.000Z'),
    ...overrides,
  };
}

describe('spooled turn encoding', () => {
  it.each([
    { name: 'a full turn with binary bodies', value: turn() },
    { name: 'a turn without agent, project, first byte or content encoding', value: turn({ agentName: undefined, project: undefined, firstByteAt: undefined, responseContentEncoding: undefined, responseContentType: undefined }) },
    { name: 'a turn with empty bodies', value: turn({ requestBody: Buffer.alloc(0), responseBody: Buffer.alloc(0) }) },
  ])('round-trips $name unchanged', ({ value }) => {
    const back = decodeSpooledTurn(encodeSpooledTurn(value));
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
    expect(() => decodeSpooledTurn(payload)).toThrow(SpooledTurnError);
  });
});
