import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';
import {
  capturedTurn,
  createDefaultReducers,
  decodeCapturedTurn,
  encodeCapturedTurn,
  envelopeToCapturedTurn,
  ingestEnvelopeSchema,
  resolveAgentRoute,
  toIngestEnvelope,
  toTurnRecord,
  type CapturedTurn,
} from '../src/index';

/** #13: a capture site never loses a turn for its agent name; it stores a sanitised name and says why, at every hop. */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream')!;
const AT = new Date('2026-11-30T10:00:00.000Z');

function captured(agentHeader: string): CapturedTurn {
  const route = resolveAgentRoute(fixture.path, agentHeader);
  return capturedTurn({
    requestId: 'req-agent-name',
    site: 'sidecar',
    provider: fixture.provider,
    api: fixture.api,
    agentName: route.agentName,
    agentNameIssue: route.agentNameIssue,
    method: 'POST',
    path: route.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json' },
    responseHeaders: { 'content-type': fixture.contentType ?? 'text/event-stream' },
    requestBody: Buffer.from(JSON.stringify(fixture.request)),
    responseBody: readFixture(fixture.responseFile),
    startedAt: AT,
    endedAt: AT,
  });
}

describe('a sanitised agent name travels with its reason (#13)', () => {
  it('is stored under the sanitised name with an agent_name_sanitized diagnostic, the turn reduced as usual', async () => {
    const { record } = await toTurnRecord(captured('bad\nname'), { reducers: createDefaultReducers() });
    expect(record.agentName).toBe('bad\uFFFDname');
    expect(record.outcome).toBe('complete');
    expect(record.nodes.every((n) => n.bucket.agent_name === 'bad\uFFFDname')).toBe(true);
    expect(record.diagnostics).toContainEqual({ code: 'agent_name_sanitized', detail: expect.stringContaining('must not contain control characters') });
  });

  it('keeps the reason through the journal and the ingest envelope', () => {
    const turn = captured('x'.repeat(300));
    expect(decodeCapturedTurn(encodeCapturedTurn(turn)).agentNameIssue).toBe(turn.agentNameIssue);
    const envelope = ingestEnvelopeSchema.parse(JSON.parse(JSON.stringify(toIngestEnvelope(turn))));
    const arrived = envelopeToCapturedTurn(envelope, { requestId: turn.requestId, provider: turn.provider, api: turn.api, site: 'sidecar', now: AT });
    expect([arrived.agentName, arrived.agentNameIssue]).toEqual(['x'.repeat(256), turn.agentNameIssue]);
  });

  it('says nothing for a good name', async () => {
    const { record } = await toTurnRecord(captured('claude'), { reducers: createDefaultReducers() });
    expect((record.diagnostics ?? []).map((d) => d.code)).not.toContain('agent_name_sanitized');
  });
});
