import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type IdGenerator, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ExportSession, ExportTurn } from '../export-input';
import { responseNode, toolCalls, toolResults } from '../tool-calls';
import { ERROR_TYPE, GEN_AI, genAiProviderName, HTTP_RESPONSE_STATUS_CODE, OPERATION, TAPES } from './gen-ai-attributes';

/** The instrumentation scope the spans are attributed to. */
export const OTLP_SCOPE = 'tapes-export';

/**
 * Trace and span ids derived from what they describe (SHA-256, truncated), never random: exporting
 * the same session twice yields the same trace, so a backend deduplicates or overwrites instead of
 * showing it twice. A turn is keyed by its request id, the key every capture site shares.
 */
export const otlpIds = {
  trace: (sessionId: string) => digest(`tapes/trace/${sessionId}`, 32),
  session: (sessionId: string) => digest(`tapes/span/session/${sessionId}`, 16),
  thread: (sessionId: string, threadId: string) => digest(`tapes/span/thread/${sessionId}/${threadId}`, 16),
  turn: (requestId: string) => digest(`tapes/span/turn/${requestId}`, 16),
  tool: (requestId: string, callId: string) => digest(`tapes/span/tool/${requestId}/${callId}`, 16),
};

function digest(text: string, hexChars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, hexChars);
}

/** Hands the SDK the id planned for the span about to start (the SDK asks its IdGenerator). */
class PlannedIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

/**
 * A session as OpenTelemetry spans following the GenAI semantic conventions, built with the SDK
 * (`@opentelemetry/sdk-trace-base`), one trace per session:
 *
 *   invoke_agent <harness>              the session (gen_ai.conversation.id = session id)
 *   ├─ invoke_agent <harness>           a subagent thread (gen_ai.agent.id = thread id)
 *   │  └─ chat <model> …                its turns
 *   ├─ chat <model>                     a turn: CLIENT span, provider, models, token usage
 *   └─ execute_tool <tool>              a tool call, from the response that asked for it to the
 *                                       request that carried its result back (linked to that chat)
 *
 * Tool calls are children of the agent span, not of the chat span, as in the conventions' agent
 * spans: the agent ran the tool between two model calls. Message content is not exported (the
 * conventions make it opt-in; it stays in tapes).
 */
export function sessionSpans(sessions: readonly ExportSession[]): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (const session of sessions) spans.push(...oneSession(session));
  return spans;
}

function oneSession({ session, turns }: ExportSession): ReadableSpan[] {
  const ids = new PlannedIds();
  const collected = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    spanProcessors: [new SimpleSpanProcessor(collected)],
    resource: resourceFromAttributes({
      'service.name': session.harness.id ?? 'unknown_agent',
      ...(session.harness.version ? { 'service.version': session.harness.version } : {}),
    }),
  });
  const tracer = provider.getTracer(OTLP_SCOPE);
  const harness = session.harness.id ?? 'agent';
  ids.traceId = otlpIds.trace(session.id);
  const start = (spanId: string, name: string, kind: SpanKind, startTime: Date, attributes: Attributes, parent?: Span, links: Span[] = []): Span => {
    ids.spanId = spanId;
    const context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
    return tracer.startSpan(name, { kind, startTime, attributes, links: links.map((l) => ({ context: l.spanContext() })) }, context);
  };

  const window = timeWindow(turns, session.started_at, session.ended_at);
  const root = start(otlpIds.session(session.id), `${OPERATION.invokeAgent} ${harness}`, SpanKind.INTERNAL, window.start, {
    [GEN_AI.operationName]: OPERATION.invokeAgent,
    [GEN_AI.agentName]: harness,
    [GEN_AI.conversationId]: session.id,
    ...(turns[0] ? { [GEN_AI.providerName]: genAiProviderName(turns[0].provider) } : {}),
    ...(session.harness.version ? { [TAPES.harnessVersion]: session.harness.version } : {}),
    ...(session.cwd ? { [TAPES.cwd]: session.cwd } : {}),
  });

  // Subagent threads get an agent span of their own; the main thread's turns hang off the session.
  const threads = new Map<string, Span>();
  for (const threadId of new Set(turns.map((t) => t.thread_id).filter((id) => id !== ''))) {
    const own = turns.filter((t) => t.thread_id === threadId);
    const w = timeWindow(own, session.started_at, session.ended_at);
    const span = start(otlpIds.thread(session.id, threadId), `${OPERATION.invokeAgent} ${harness}`, SpanKind.INTERNAL, w.start, {
      [GEN_AI.operationName]: OPERATION.invokeAgent,
      [GEN_AI.agentName]: harness,
      [GEN_AI.agentId]: threadId,
      [GEN_AI.conversationId]: session.id,
      [TAPES.threadId]: threadId,
    }, root);
    threads.set(threadId, span);
    span.end(w.end);
  }

  turns.forEach((turn, i) => {
    const agent = threads.get(turn.thread_id) ?? root;
    const chat = chatSpan(turn, session.id, agent, start);
    for (const call of toolCalls(turn)) {
      // The tool ran from this response until the request that brought its result back.
      const from = date(turn.ended_at) ?? window.end;
      const answer = turns.slice(i + 1).find((later) => later.thread_id === turn.thread_id && toolResults(later).has(call.id));
      const result = answer ? toolResults(answer).get(call.id) : undefined;
      const until = answer ? (date(answer.started_at) ?? from) : from;
      const span = start(otlpIds.tool(turn.request_id, call.id), `${OPERATION.executeTool} ${call.name}`, SpanKind.INTERNAL, from, {
        [GEN_AI.operationName]: OPERATION.executeTool,
        [GEN_AI.toolName]: call.name,
        [GEN_AI.toolCallId]: call.id,
        [GEN_AI.toolType]: 'function',
        ...(result ? { [TAPES.toolIsError]: result.isError } : {}),
      }, agent, [chat]);
      if (result?.isError) {
        span.setAttribute(ERROR_TYPE, 'tool_error');
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${call.name} returned an error` });
      }
      span.end(until < from ? from : until);
    }
  });
  root.end(window.end);
  return collected.getFinishedSpans();
}

function chatSpan(turn: ExportTurn, sessionId: string, parent: Span, start: (spanId: string, name: string, kind: SpanKind, at: Date, attrs: Attributes, parent?: Span) => Span): Span {
  const requestModel = requestModelOf(turn);
  const responseModel = turn.model ?? undefined;
  const provider = genAiProviderName(turn.provider);
  const startedAt = date(turn.started_at) ?? date(turn.ended_at) ?? new Date(0);
  const attributes: Attributes = {
    [GEN_AI.operationName]: OPERATION.chat,
    [GEN_AI.providerName]: provider,
    [GEN_AI.system]: provider,
    [GEN_AI.conversationId]: sessionId,
    [GEN_AI.usageInputTokens]: turn.tokens.input,
    [GEN_AI.usageOutputTokens]: turn.tokens.output,
    [GEN_AI.usageCacheCreationInputTokens]: turn.tokens.cache_write,
    [GEN_AI.usageCacheReadInputTokens]: turn.tokens.cache_read,
    [TAPES.turnId]: turn.id,
    [TAPES.requestId]: turn.request_id,
    [TAPES.threadId]: turn.thread_id,
    [TAPES.outcome]: turn.outcome,
    [TAPES.captureSite]: turn.capture_site,
  };
  if (turn.tokens.reasoning > 0) attributes[GEN_AI.usageReasoningOutputTokens] = turn.tokens.reasoning;
  if (requestModel) attributes[GEN_AI.requestModel] = requestModel;
  if (responseModel) attributes[GEN_AI.responseModel] = responseModel;
  const stopReason = responseNode(turn)?.stop_reason;
  if (stopReason) attributes[GEN_AI.responseFinishReasons] = [stopReason];
  const streamed = /event-stream|ndjson/i.test(turn.response_content_type ?? '');
  attributes[GEN_AI.requestStream] = streamed;
  if (streamed && turn.ttfb_ms !== null) attributes[GEN_AI.responseTimeToFirstChunk] = turn.ttfb_ms / 1000;
  if (turn.status !== null) attributes[HTTP_RESPONSE_STATUS_CODE] = turn.status;
  if (turn.api) attributes[TAPES.api] = turn.api;
  if (turn.cost_usd !== null) attributes[TAPES.costUsd] = turn.cost_usd;
  const span = start(otlpIds.turn(turn.request_id), `${OPERATION.chat} ${requestModel ?? responseModel ?? turn.provider}`, SpanKind.CLIENT, startedAt, attributes, parent);
  if (turn.outcome !== 'complete') {
    const first = turn.diagnostics[0];
    span.setAttribute(ERROR_TYPE, first?.code ?? turn.outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: first ? `${turn.outcome}: ${first.code}: ${first.detail}` : turn.outcome });
  }
  const endedAt = date(turn.ended_at) ?? startedAt;
  span.end(endedAt < startedAt ? startedAt : endedAt);
  return span;
}

/** The model the request named: its messages carry it (the response node carries the answering model). */
function requestModelOf(turn: ExportTurn): string | undefined {
  const request = turn.messages.filter((m) => m.hash !== turn.head_hash).at(-1);
  return request?.bucket.model || turn.model || undefined;
}

function timeWindow(turns: readonly ExportTurn[], fallbackStart: string, fallbackEnd: string): { start: Date; end: Date } {
  const starts = turns.map((t) => date(t.started_at)).filter((d): d is Date => d !== undefined);
  const ends = turns.map((t) => date(t.ended_at)).filter((d): d is Date => d !== undefined);
  const start = starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : (date(fallbackStart) ?? new Date(0));
  const end = ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : (date(fallbackEnd) ?? start);
  return { start, end: end < start ? start : end };
}

function date(iso: string | null | undefined): Date | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
