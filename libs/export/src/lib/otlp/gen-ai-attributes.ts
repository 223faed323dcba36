/**
 * OpenTelemetry GenAI semantic convention names (semantic-conventions, docs/gen-ai/gen-ai-spans.md
 * and gen-ai-agent-spans.md; status Development). Copied as constants rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, as the OpenTelemetry docs advise for incubating
 * names: a package upgrade must not rename what tapes emits.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  /** Deprecated for gen_ai.provider.name (semconv 1.37); still read by many backends, so both are sent. */
  system: 'gen_ai.system',
  conversationId: 'gen_ai.conversation.id',
  agentName: 'gen_ai.agent.name',
  agentId: 'gen_ai.agent.id',
  requestModel: 'gen_ai.request.model',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
} as const;

export const ERROR_TYPE = 'error.type';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

/** `gen_ai.operation.name` values tapes emits. */
export const OPERATION = { chat: 'chat', executeTool: 'execute_tool', invokeAgent: 'invoke_agent' } as const;

/**
 * tapes provider ids → the convention's well-known `gen_ai.provider.name` values (Gemini's API
 * through generativelanguage.googleapis.com is `gcp.gemini`); a provider it does not list keeps its
 * own id, as the convention allows.
 */
export function genAiProviderName(provider: string): string {
  switch (provider) {
    case 'gemini':
    case 'google':
      return 'gcp.gemini';
    default:
      return provider;
  }
}

/** tapes' own attributes (a namespace of its own, as the convention asks of non-standard ones). */
export const TAPES = {
  turnId: 'tapes.turn.id',
  requestId: 'tapes.request_id',
  threadId: 'tapes.thread.id',
  outcome: 'tapes.outcome',
  captureSite: 'tapes.capture_site',
  api: 'tapes.api',
  costUsd: 'tapes.cost_usd',
  harnessVersion: 'tapes.harness.version',
  cwd: 'tapes.cwd',
  toolIsError: 'tapes.tool.is_error',
} as const;
