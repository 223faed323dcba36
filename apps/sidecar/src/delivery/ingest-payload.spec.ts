import { createDefaultReducers } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { envoySequence } from '../../test/envoy-messages';
import type { CapturedTurn } from '../exchange/captured-turn';
import { Exchange } from '../exchange/exchange';
import { encodeIngestPayload } from './ingest-payload';

function capture(overrides: { agentHeader?: string; responseChunks?: Buffer[] } = {}): CapturedTurn {
  const exchange = new Exchange({ reducers: createDefaultReducers(), budget: new ByteBudget(1 << 24), maxBodyBytes: 1 << 22, newRequestId: () => 'generated' });
  const messages = envoySequence({
    path: '/agents/claude-code/v1/messages',
    requestHeaders: { 'x-request-id': 'req-7', 'x-api-key': 'sk-ant-secret', ...(overrides.agentHeader ? { 'x-tapes-agent-name': overrides.agentHeader } : {}) },
    requestChunks: [Buffer.from('{"model":"claude","messages":[]}')],
    responseHeaders: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' },
    responseChunks: overrides.responseChunks ?? [Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff])],
  });
  for (const message of messages) {
    const end = exchange.onMessage(message);
    if (end?.outcome === 'captured') return end.turn;
  }
  throw new Error('not captured');
}

describe('encodeIngestPayload', () => {
  it('writes the raw-turn envelope of the ingest contract with both bodies base64, still content-encoded', () => {
    const turn = capture();
    const envelope = JSON.parse(encodeIngestPayload(turn).toString('utf8')) as Record<string, unknown>;
    expect(envelope).toEqual({
      provider: 'anthropic',
      path: '/v1/messages',
      agent_name: 'claude-code',
      request_id: 'req-7',
      capture_site: 'sidecar',
      request_body_base64: Buffer.from('{"model":"claude","messages":[]}').toString('base64'),
      response_body_base64: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff]).toString('base64'),
      response_content_type: 'text/event-stream',
      response_content_encoding: 'gzip',
      request_headers: expect.objectContaining({ 'x-api-key': '[redacted]', ':path': '/agents/claude-code/v1/messages' }),
      response_headers: expect.objectContaining({ ':status': '200', 'content-encoding': 'gzip' }),
      status: 200,
      started_at: turn.startedAt.toISOString(),
      first_byte_at: turn.firstByteAt?.toISOString(),
      ended_at: turn.endedAt.toISOString(),
    });
  });

  it('never carries a credential', () => {
    expect(encodeIngestPayload(capture()).toString('utf8')).not.toContain('sk-ant-secret');
  });

  it.each([
    { name: 'a tiny turn', chunks: [Buffer.from('{}')] },
    { name: 'a 1 MiB stream in 16 KiB chunks', chunks: Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 0x61)) },
    { name: 'odd chunk sizes (base64 padding per chunk)', chunks: Array.from({ length: 50 }, (_, i) => Buffer.alloc(i + 1, 0x62)) },
  ])('is never larger than what the exchange reserved for it: $name', ({ chunks }) => {
    const turn = capture({ responseChunks: chunks, agentHeader: 'an-agent-with-a-name' });
    expect(encodeIngestPayload(turn).length).toBeLessThanOrEqual(turn.reservedBytes);
  });
});
