import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  decodeBody,
  deriveTurn,
  redactHeaders,
  reducerFor,
  reducerForPath,
  TURN_APIS,
  type Reducer,
  type TurnApi,
} from '@tapes/capture';
import { isProvider, PROVIDERS, type ChatRequest, type ChatResponse } from '@tapes/llm';
import { canonicalJson } from '@tapes/merkle';
import { REDUCERS, TAPES_CONFIG, TapesError, turnLogLine } from '@tapes/nest-kit';
import { InvalidTurnError, StorageUnavailableError, type StoreResult, type TurnStore } from '@tapes/storage';
import type { IngestConfig } from '../config/ingest-config';
import { TURN_STORE } from '../storage/storage.module';
import { IngestMetrics, type WriteStatus } from './ingest.metrics';
import { describeIssues, jsonDepthExceeds, turnEnvelopeSchema, type TurnEnvelope } from './turn-envelope';

/** Deeper JSON than this is refused up front (hashing and storage walk it). */
const MAX_JSON_DEPTH = 256;

export interface AcceptedTurn {
  status: 'accepted';
  duplicate: boolean;
  request_id: string;
  turn_id: string;
  head_hash: string | null;
  nodes: number;
  new_nodes: number;
  outcome: 'complete' | 'partial' | 'unreduced';
  diagnostics: string[];
}

/** A rejection that carries the metrics label it is counted under. */
class Rejection extends TapesError {
  constructor(
    readonly writeStatus: WriteStatus,
    ...args: ConstructorParameters<typeof TapesError>
  ) {
    super(...args);
  }
}

/**
 * Turns a posted envelope into stored nodes plus the raw turn record. The rules (which reducer,
 * what the turn's outcome is) live in libs/capture, the same code the proxy runs, so a turn
 * stores the same hashes whichever site captured it.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    @Inject(TURN_STORE) private readonly store: TurnStore,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
    @Inject(TAPES_CONFIG) private readonly config: IngestConfig,
    private readonly metrics: IngestMetrics,
  ) {}

  /**
   * Validates, reduces and stores one turn. Resolves only after the transaction committed;
   * throws a TapesError (400/413/422/503) otherwise, counted in the metrics either way.
   */
  async ingest(body: unknown, bodyBytes: number): Promise<AcceptedTurn> {
    let provider: unknown = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['provider'] : undefined;
    this.metrics.inFlight.inc();
    try {
      const envelope = this.parseEnvelope(body);
      provider = envelope.provider;
      const reducer = this.reducerFor(envelope);
      const started = process.hrtime.bigint();
      const result = await this.process(envelope, reducer);
      this.metrics.dagWriteSeconds.observe({ provider: reducer.provider }, Number(process.hrtime.bigint() - started) / 1e9);
      this.metrics.bodyBytes.observe({ provider: reducer.provider }, bodyBytes);
      this.metrics.write(reducer.provider, result.duplicate ? 'duplicate' : 'accepted');
      return result;
    } catch (err) {
      this.metrics.write(provider, err instanceof Rejection ? err.writeStatus : 'downstream_error');
      throw err;
    } finally {
      this.metrics.inFlight.dec();
    }
  }

  parseEnvelope(body: unknown): TurnEnvelope {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Rejection('reject_envelope', 'malformed_envelope', 'the body must be a JSON object (a turn envelope)');
    }
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      throw new Rejection('reject_envelope', 'malformed_envelope', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const parsed = turnEnvelopeSchema.safeParse(body);
    if (!parsed.success) throw new Rejection('reject_envelope', 'malformed_envelope', `invalid envelope: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  private reducerFor(envelope: TurnEnvelope): Reducer {
    const { provider } = envelope;
    if (!isProvider(provider)) {
      throw new Rejection('unknown_provider', 'unknown_provider', `unsupported provider ${JSON.stringify(provider)} (supported: ${PROVIDERS.join(', ')})`);
    }
    if (envelope.api !== undefined && !(TURN_APIS as readonly string[]).includes(envelope.api)) {
      throw new Rejection('unknown_provider', 'unprocessable_turn', `unsupported api ${JSON.stringify(envelope.api)} (supported: ${TURN_APIS.join(', ')})`);
    }
    // Like the proxy and the sidecar (design §7), ingest records only a 200 from a turn endpoint:
    // a rate-limit error or a count_tokens call is not a conversation turn.
    if (envelope.status !== undefined && envelope.status !== 200) {
      throw new Rejection('upstream_status', 'unprocessable_turn', `only turns the upstream answered with 200 are recorded (status ${envelope.status})`);
    }
    const byPath = envelope.path === undefined ? undefined : reducerForPath(this.reducers, envelope.path);
    if (envelope.path !== undefined && !envelope.api && !byPath) {
      throw new Rejection('non_turn_request', 'unprocessable_turn', `${JSON.stringify(envelope.path)} is not a turn endpoint (${TURN_APIS.join(', ')})`);
    }
    const reducer = (envelope.api && reducerFor(this.reducers, { api: envelope.api as TurnApi })) || byPath || reducerFor(this.reducers, { provider });
    if (!reducer) throw new Rejection('unknown_provider', 'unknown_provider', `no reducer serves provider ${provider}`);
    if (reducer.provider !== provider) {
      throw new Rejection('reject_parse', 'unprocessable_turn', `${envelope.api ? `api ${envelope.api}` : `path ${envelope.path}`} belongs to ${reducer.provider}, not ${provider}`);
    }
    return reducer;
  }

  private async process(envelope: TurnEnvelope, reducer: Reducer): Promise<AcceptedTurn> {
    const parsedForm = envelope.response !== undefined;
    const requestBytes = requestBytesOf(envelope);
    const responseBytes = responseBytesOf(envelope);

    let requestInput: { document: unknown } | { parsed: ChatRequest } | { error: string };
    if (envelope.request !== undefined) {
      // The parsed form promises a structured request, so it is parsed (and refused) up front, once.
      requestInput = parsedForm ? { parsed: this.parsedRequest(reducer, envelope.request) } : { document: envelope.request };
    } else {
      requestInput = parseJsonBytes(requestBytes);
    }

    let response: ChatResponse;
    if (parsedForm) {
      response = reducer.reduceJson(envelope.response);
      if (response.message.content.length === 0 && response.diagnostics.some((d) => d.code === 'empty_response' || d.code === 'parse_error')) {
        throw new Rejection('reject_parse', 'unprocessable_turn', `cannot parse response as ${reducer.api}: ${response.diagnostics.map((d) => d.detail).join('; ')}`);
      }
    } else {
      response = await this.reduceRaw(reducer, envelope, responseBytes);
    }

    const derived = deriveTurn({ reducer, request: requestInput, response, agentName: envelope.agent_name, project: this.config.TAPES_PROJECT });
    const requestId = envelope.request_id ?? derivedRequestId(envelope, requestBytes, responseBytes);
    let stored: StoreResult;
    try {
      stored = await this.store.storeTurn({
        requestId,
        provider: reducer.provider,
        api: reducer.api,
        agentName: envelope.agent_name,
        captureSite: envelope.capture_site ?? 'ingest',
        method: 'POST',
        path: envelope.path,
        status: envelope.status ?? 200,
        requestHeaders: redactHeaders(envelope.request_headers),
        requestBody: requestBytes,
        responseHeaders: redactHeaders(envelope.response_headers),
        responseBody: responseBytes,
        responseContentType: parsedForm ? 'application/json' : envelope.response_content_type,
        responseContentEncoding: parsedForm ? undefined : envelope.response_content_encoding,
        nodes: derived.nodes,
        outcome: derived.outcome,
        diagnostics: derived.diagnostics,
        startedAt: dateOrUndefined(envelope.started_at),
        firstByteAt: dateOrUndefined(envelope.first_byte_at),
        endedAt: dateOrUndefined(envelope.ended_at),
      });
    } catch (err) {
      throw this.storageError(err, requestId);
    }
    const line = turnLogLine({
      agentName: envelope.agent_name,
      provider: reducer.provider,
      model: response.model,
      outcome: derived.outcome,
      usage: response.usage,
      newNodes: stored.newNodeCount,
      turnId: stored.turnId,
      duplicate: stored.status === 'duplicate',
    });
    this.logger.log({ requestId, headHash: stored.headHash, ...line.fields }, line.message);
    return {
      status: 'accepted',
      duplicate: stored.status === 'duplicate',
      request_id: requestId,
      turn_id: stored.turnId,
      head_hash: stored.headHash,
      nodes: stored.nodeCount,
      new_nodes: stored.newNodeCount,
      outcome: derived.outcome,
      diagnostics: derived.diagnostics.map((d) => d.code),
    };
  }

  /** The parsed (#192) form promises a structured request: one that is not is a 422, as in Go. */
  private parsedRequest(reducer: Reducer, document: unknown): ChatRequest {
    try {
      return reducer.parseRequest(document);
    } catch (err) {
      throw new Rejection('reject_parse', 'unprocessable_turn', `cannot parse request as ${reducer.api}: ${(err as Error).message}`);
    }
  }

  /** Undoes the content encoding (capture policy of libs/capture) and reduces the raw body. */
  private async reduceRaw(reducer: Reducer, envelope: TurnEnvelope, bytes: Buffer): Promise<ChatResponse> {
    const decoded = await decodeBody(bytes, envelope.response_content_encoding);
    const interruption = envelope.interrupted;
    if (decoded.outcome === 'error') {
      const reduction = reducer.start({ contentType: envelope.response_content_type });
      const response = reduction.finish(interruption);
      response.diagnostics.unshift({ code: 'decode_error', detail: `content-encoding ${JSON.stringify(envelope.response_content_encoding)}: ${decoded.message ?? decoded.errorClass}`, data: { class: decoded.errorClass } });
      return response;
    }
    const reduction = reducer.start({ contentType: envelope.response_content_type });
    reduction.push(decoded.body);
    const response = reduction.finish(interruption);
    if (decoded.outcome === 'salvaged') response.diagnostics.push({ code: 'decode_error', detail: 'the encoded body was truncated; a prefix was salvaged', data: { class: 'salvaged' } });
    return response;
  }

  private storageError(err: unknown, requestId: string): TapesError {
    if (err instanceof StorageUnavailableError) {
      this.logger.warn({ requestId, err }, 'storage unavailable; answering 503');
      return new Rejection('downstream_error', 'storage_unavailable', 'storage is unavailable; retry later', { cause: err, retryAfterSeconds: this.config.INGEST_RETRY_AFTER_SECONDS });
    }
    if (err instanceof InvalidTurnError) {
      const tooLarge = err.code === 'oversize_field';
      return new Rejection(tooLarge ? 'reject_too_large' : 'reject_parse', tooLarge ? 'payload_too_large' : 'unprocessable_turn', err.message, { cause: err });
    }
    return err instanceof TapesError ? err : new TapesError('internal', 'internal error', { cause: err });
  }
}

function requestBytesOf(envelope: TurnEnvelope): Buffer {
  if (envelope.request_body_base64 !== undefined) return Buffer.from(envelope.request_body_base64, 'base64');
  if (envelope.request_body !== undefined) return Buffer.from(envelope.request_body, 'utf8');
  return Buffer.from(JSON.stringify(envelope.request ?? null), 'utf8');
}

function responseBytesOf(envelope: TurnEnvelope): Buffer {
  if (envelope.response_body_base64 !== undefined) return Buffer.from(envelope.response_body_base64, 'base64');
  if (envelope.response_body !== undefined) return Buffer.from(envelope.response_body, 'utf8');
  return Buffer.from(JSON.stringify(envelope.response ?? null), 'utf8');
}

function parseJsonBytes(bytes: Buffer): { document: unknown } | { error: string } {
  try {
    return { document: JSON.parse(bytes.toString('utf8')) };
  } catch (err) {
    return { error: `request body is not JSON: ${(err as Error).message}` };
  }
}

/**
 * A stable id for a turn posted without `request_id`: the same content posted twice is the same
 * turn (idempotent retries), different content never collides.
 */
function derivedRequestId(envelope: TurnEnvelope, requestBytes: Buffer, responseBytes: Buffer): string {
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const identity = canonicalJson({
    provider: envelope.provider,
    api: envelope.api ?? '',
    path: envelope.path ?? '',
    agent_name: envelope.agent_name ?? '',
    request: digest(requestBytes),
    response: digest(responseBytes),
    encoding: envelope.response_content_encoding ?? '',
  });
  return `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}

function dateOrUndefined(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(value);
}
