// Reducing one turn's bytes.
export { RequestParseError, reduceBody, parseRequestBody } from './lib/reducer';
export type { Reducer, Reduction, ReductionOptions, Interruption, RequestContext } from './lib/reducer';
export { Diagnostics } from './lib/diagnostics';
export { FramedReducer } from './lib/framing/framed-reducer';
export { FramedReduction, DEFAULT_MAX_BYTES } from './lib/framing/framed-reduction';
export { sniffBodyFormat } from './lib/framing/body-format';
export { bodyFrames } from './lib/framing/body-frames';
export type { BodyFrame, BodyFrames, BodyFramesOptions } from './lib/framing/body-frames';
export type { BodyFormat } from './lib/framing/body-format';
export type { TurnAssembler, SseEvent } from './lib/framing/turn-assembler';

// Providers: one folder each, one list.
export { PROVIDER_SPECS, PROVIDERS, TURN_APIS, isProvider, isTurnApi, providerSpec, createDefaultReducers } from './lib/providers/providers';
export type { Provider, TurnApi } from './lib/providers/providers';
export type { ProviderSpec, RouteProbe } from './lib/providers/provider-spec';
export { AnthropicMessagesReducer } from './lib/providers/anthropic/reducer';
export { parseAnthropicRequest } from './lib/providers/anthropic/request';
export { OpenAIChatReducer } from './lib/providers/openai-chat/reducer';
export { parseChatCompletionsRequest } from './lib/providers/openai-chat/request';
export { OpenAIResponsesReducer } from './lib/providers/openai-responses/reducer';
export { parseResponsesRequest } from './lib/providers/openai-responses/request';
export { OllamaChatReducer } from './lib/providers/ollama/reducer';
export { parseOllamaRequest, OLLAMA_STREAMS_BY_DEFAULT } from './lib/providers/ollama/request';
export { GeminiGenerateContentReducer } from './lib/providers/gemini/reducer';
export { parseGeminiRequest } from './lib/providers/gemini/request';

// Capture policy: written once, applied by every site.
export { turnPolicy } from './lib/policy/turn-policy';
export type { RequestVerdict, StatusVerdict, NotATurnReason } from './lib/policy/turn-policy';
export { selectReducer, endpointPath } from './lib/policy/select-reducer';
export { redactHeaders, redactQuery, isSecretHeader, REDACTED } from './lib/policy/redaction';
export type { HeaderRecord } from './lib/policy/redaction';
export { resolveAgentRoute, AGENT_HEADER } from './lib/policy/agent-route';
export { agentNameProblem, sanitizeAgentName, headerText, AGENT_NAME_MAX_BYTES, AGENT_NAME_DIAGNOSTIC } from './lib/policy/agent-name';
export type { AgentRoute } from './lib/policy/agent-route';
export { DROP_REASONS, POLICY_DROP_REASONS, TRANSPORT_DROP_REASONS, isDropReason } from './lib/policy/drop-reasons';
export type { DropReason, PolicyDropReason, TransportDropReason } from './lib/policy/drop-reasons';

// The captured turn and its one way to storage.
export { capturedTurn, headerValue } from './lib/turn/captured-turn';
export type { CapturedTurn, CapturedExchange } from './lib/turn/captured-turn';
export { toTurnRecord } from './lib/turn/to-turn-record';
export type { ToTurnRecordOptions, KnownReduction, DerivedTurnRecord } from './lib/turn/to-turn-record';
export { deriveTurn } from './lib/turn/derive-turn';
export { turnSession, sessionIdOf } from './lib/turn/turn-session';
export type { TurnSessionResult } from './lib/turn/turn-session';
export { nodeSearchText } from './lib/turn/node-text';
export type { DerivedTurn } from './lib/turn/derive-turn';
export { CAPTURE_SITES, TURN_OUTCOMES } from './lib/turn/turn-record';
export type { TurnRecord, TurnOutcome, CaptureSite, TurnSession, TurnCost } from './lib/turn/turn-record';
export { encodeCapturedTurn, decodeCapturedTurn, CapturedTurnCodecError } from './lib/turn/captured-turn-codec';
export { ChunkTimeline, MAX_CHUNK_MARKS, usableChunkMarks } from './lib/turn/chunk-timeline';
export type { ChunkMark } from './lib/turn/chunk-timeline';
export { decodeErrorDiagnostic } from './lib/turn/decode-diagnostic';
export {
  ingestEnvelopeSchema,
  batchEnvelopeSchema,
  describeIssues,
  jsonDepthExceeds,
  toIngestEnvelope,
  envelopeToCapturedTurn,
  envelopeRequestBytes,
  envelopeResponseBytes,
} from './lib/turn/ingest-envelope';
export type { IngestEnvelope, IngestEnvelopeInput } from './lib/turn/ingest-envelope';

// Content encoding.
export { ContentDecoder } from './lib/encoding/content-decoder';
export type { ContentDecoderOptions } from './lib/encoding/content-decoder';
export { decodeBody, decodeChunks } from './lib/encoding/decode-body';
export type { DecodedBody, DecodedChunks, DecodeBodyOptions } from './lib/encoding/decode-body';
export { DecodeMemoryExhaustedError } from './lib/encoding/decode-budget';
export type { DecodeBudget } from './lib/encoding/decode-budget';
export { REFERENCE_CODINGS, DEFAULT_CODINGS, contentCodingTokens, planContentDecoding } from './lib/encoding/content-codings';
export type { ContentCoding, DecodePlan } from './lib/encoding/content-codings';
export { DEFAULT_MAX_DECODED_BYTES } from './lib/encoding/decode-result';
export type { DecodeResult, DecodeOutcome, DecodeErrorClass } from './lib/encoding/decode-result';
export { ZSTD_MAX_WINDOW_BYTES } from './lib/encoding/zstd-frame-guard';

// Redaction (#13): one policy for names and value shapes; `redactUrl` for every path or URL an app logs.
export { redactUrl, redactedMarker, isRedacted } from './lib/policy/redaction';
export { scrubSecrets, scrubSecretBytes } from './lib/policy/body-scrubber';

// Sessions (#14): the X-Tapes-* envelope, threads, harness detection and the one session identity; a dated price table.
export { readSessionEnvelope, encodeSessionEnvelope, isTapesHeader, TAPES_ENVELOPE_HEADER_NAMES, ENVELOPE_HEADERS, HARNESS_ID_UNKNOWN } from './lib/policy/envelope';
export type { SessionEnvelope, SessionEnvelopeRead, EnvelopeIssue, EnvelopeField } from './lib/policy/envelope';
export { resolveThreadId } from './lib/policy/thread';
export { detectHarness, claudeCodeSessionFromUserId, HARNESS_IDS } from './lib/policy/harness';
export type { HarnessDetection, HarnessId } from './lib/policy/harness';
export { sessionIdentity } from './lib/policy/session-identity';
export type { SessionIdentity, SessionIdentityResult } from './lib/policy/session-identity';
export { estimateCost, findModelPrice, normalizeModelId } from './lib/pricing/estimate-cost';
export type { CostEstimate } from './lib/pricing/estimate-cost';
export { PRICE_TABLE } from './lib/pricing/price-table';
export type { ModelPrice, TokenPrices } from './lib/pricing/price-table';
