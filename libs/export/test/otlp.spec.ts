import { OtlpReceiver, parseOtlpJson, type ReceivedSpan } from '@tapes/testing';
import { exportSessions, exportSpans, OtlpExportError, otlpIds, sendOtlp, type ExportSession } from '../src';
import { claudeSession, memoryReader, SESSION, TOOL_CALL_ID } from './support/export-turns';

const ms = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

describe('OTLP export (#16): GenAI semantic conventions, checked by a local OTLP/HTTP receiver', () => {
  let receiver: OtlpReceiver;
  let session: ExportSession;
  let spans: ReceivedSpan[];

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    session = await claudeSession();
    const sent = await sendOtlp(await exportSpans(memoryReader([session]), [SESSION]), { url: receiver.url, headers: { authorization: 'Bearer otlp-key' } });
    expect(sent).toEqual({ spans: 7, requests: 1 });
    spans = receiver.spans;
  });
  afterAll(async () => {
    await receiver.close();
  });

  const named = (name: string) => spans.filter((s) => s.name === name);
  const byId = (id: string) => spans.find((s) => s.spanId === id);

  it('posts protobuf to the endpoint with the given headers', () => {
    expect(receiver.exports).toHaveLength(1);
    expect(receiver.exports[0]).toMatchObject({ contentType: 'application/x-protobuf', authorization: 'Bearer otlp-key' });
  });

  it('makes the session one trace, rooted at an invoke_agent span, with ids derived from the session', () => {
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([otlpIds.trace(SESSION)]));
    const [root] = spans.filter((s) => s.parentSpanId === '');
    expect(root).toMatchObject({ name: 'invoke_agent claude', spanId: otlpIds.session(SESSION), kind: 1, scope: 'tapes-export' });
    expect(root!.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'claude', 'gen_ai.conversation.id': SESSION, 'gen_ai.provider.name': 'anthropic', 'tapes.cwd': '/home/me/repo' });
    expect(root!.resource).toMatchObject({ 'service.name': 'claude', 'service.version': '2.0.31' });
    expect(root!.startTimeUnixNano).toBe(ms('2026-11-30T10:00:00.000Z'));
    expect(root!.endTimeUnixNano).toBe(ms('2026-11-30T10:00:14.000Z'));
  });

  it('makes each turn a CLIENT span `chat <model>` with the GenAI attributes and its timing', () => {
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats).toHaveLength(4);
    const first = byId(otlpIds.turn('req-1'))!;
    expect(first.name).toBe('chat claude-3-5-sonnet-20241022');
    expect(first.kind).toBe(3);
    expect(first.parentSpanId).toBe(otlpIds.session(SESSION));
    const turn = session.turns[0]!;
    expect(first.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
      'gen_ai.response.model': turn.model,
      'gen_ai.conversation.id': SESSION,
      'gen_ai.usage.input_tokens': turn.tokens.input,
      'gen_ai.usage.output_tokens': turn.tokens.output,
      'gen_ai.usage.cache_creation.input_tokens': turn.tokens.cache_write,
      'gen_ai.usage.cache_read.input_tokens': turn.tokens.cache_read,
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.request.stream': true,
      'gen_ai.response.time_to_first_chunk': 0.3,
      'http.response.status_code': 200,
      'tapes.request_id': 'req-1',
      'tapes.outcome': 'complete',
    });
    expect(turn.tokens.output).toBeGreaterThan(0);
    expect(first.startTimeUnixNano).toBe(ms('2026-11-30T10:00:00.000Z'));
    expect(first.endTimeUnixNano).toBe(ms('2026-11-30T10:00:02.000Z'));
    expect(first.status.code).toBe(0);
    // A one-shot turn is no stream.
    expect(byId(otlpIds.turn('req-3'))!.attributes['gen_ai.request.stream']).toBe(false);
  });

  it('marks a turn the upstream cut as an error, with the diagnostic as error.type', () => {
    const cut = byId(otlpIds.turn('req-4'))!;
    expect(cut.status.code).toBe(2);
    expect(cut.status.message).toMatch(/^partial: upstream_error/);
    expect(cut.attributes['error.type']).toBe('upstream_error');
  });

  it('gives a subagent thread an invoke_agent span of its own, parent of its turns', () => {
    const thread = byId(otlpIds.thread(SESSION, 'agent-7'))!;
    expect(thread).toMatchObject({ name: 'invoke_agent claude', parentSpanId: otlpIds.session(SESSION) });
    expect(thread.attributes).toMatchObject({ 'gen_ai.agent.id': 'agent-7', 'tapes.thread.id': 'agent-7' });
    expect(byId(otlpIds.turn('req-4'))!.parentSpanId).toBe(thread.spanId);
  });

  it('makes a tool call an execute_tool span from the answer that asked for it to the request that brought its result, linked to that chat', () => {
    const [tool] = named('execute_tool get_weather');
    expect(tool).toBeDefined();
    expect(tool!.spanId).toBe(otlpIds.tool('req-1', TOOL_CALL_ID));
    expect(tool!.parentSpanId).toBe(otlpIds.session(SESSION));
    expect(tool!.kind).toBe(1);
    expect(tool!.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.id': TOOL_CALL_ID, 'tapes.tool.is_error': false });
    expect(tool!.links).toEqual([{ traceId: otlpIds.trace(SESSION), spanId: otlpIds.turn('req-1') }]);
    expect(tool!.startTimeUnixNano).toBe(ms('2026-11-30T10:00:02.000Z'));
    expect(tool!.endTimeUnixNano).toBe(ms('2026-11-30T10:00:05.000Z'));
    // Message content stays in tapes: the conventions make it opt-in.
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('San Francisco');
  });

  it('exports the same ids again on a re-export, so a backend sees one trace', async () => {
    const again = await exportSpans(memoryReader([session]), [SESSION]);
    expect(again.map((s) => s.spanContext().spanId).sort()).toEqual(spans.map((s) => s.spanId).sort());
  });

  it('writes the same spans as an OTLP/JSON document for a file', async () => {
    let text = '';
    for await (const piece of exportSessions(memoryReader([session]), [SESSION], 'otlp', { version: 't' })) text += piece;
    const fromFile = parseOtlpJson(text);
    const key = (s: ReceivedSpan) => `${s.spanId} ${s.parentSpanId} ${s.name} ${s.startTimeUnixNano} ${s.endTimeUnixNano}`;
    expect(fromFile.map(key).sort()).toEqual(spans.map(key).sort());
    expect(fromFile.find((s) => s.spanId === otlpIds.turn('req-1'))!.attributes).toEqual(byId(otlpIds.turn('req-1'))!.attributes);
  });

  it('fails naming the endpoint when it refuses the spans', async () => {
    const refusing = await OtlpReceiver.start();
    refusing.refuse = 400;
    try {
      const error = await sendOtlp(await exportSpans(memoryReader([session]), [SESSION]), { url: refusing.url }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OtlpExportError);
      expect((error as Error).message).toContain(refusing.url);
    } finally {
      await refusing.close();
    }
  });
});
