import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  capturedTurn,
  DecodeMemoryExhaustedError,
  envelopeRequestBytes,
  envelopeResponseBytes,
  envelopeToCapturedTurn,
  ingestEnvelopeSchema,
  isProvider,
  isTurnApi,
  jsonDepthExceeds,
  describeIssues,
  PROVIDERS,
  selectReducer,
  sessionIdOf,
  sessionIdentity,
  toTurnRecord,
  turnPolicy,
  TURN_APIS,
  type CaptureSite,
  type IngestEnvelope,
  type Reducer,
} from '@tapes/capture';
import type { ChatRequest, ChatResponse } from '@tapes/llm';
import { canonicalJson } from '@tapes/merkle';
import { InvalidTurnError, StorageUnavailableError, type StoreResult, type TurnStore } from '@tapes/storage';
import { ByteBudget } from '@tapes/delivery';
import type { IngestConfig } from '../config/ingest-config';
import { REDUCERS, TAPES_CONFIG, TapesError, TURN_STORE, turnLogLine, type Credential } from '@tapes/nest-kit';
import { TURN_EVENTS, type TurnEvents } from '@tapes/read-api';
import { IngestMetrics, type WriteStatus } from './ingest.metrics';

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
 * Turns a posted envelope into a stored turn with the same pipeline every capture site uses
 * (libs/capture: the turn policy, reducer selection, `toTurnRecord`), so a turn stores the same
 * hashes whichever site captured it. Ingest itself only validates the envelope and maps refusals
 * to statuses.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  /** What all requests in flight may hold in decoded bodies at once (INGEST_DECODE_MEMORY, #12). */
  private readonly decodeBudget: ByteBudget;

  constructor(
    @Inject(TURN_STORE) private readonly store: TurnStore,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
    @Inject(TAPES_CONFIG) private readonly config: IngestConfig,
    private readonly metrics: IngestMetrics,
    @Inject(TURN_EVENTS) private readonly events: TurnEvents,
  ) {
    this.decodeBudget = new ByteBudget(config.limits.decodeMemoryBytes);
  }

  /**
   * Validates, reduces and stores one turn. Resolves only after the transaction committed;
   * throws a TapesError (400/409/413/422/503) otherwise, counted in the metrics either way.
   * `credential` is how the request authenticated (installAccessControl): it, not the body,
   * decides the turn's capture site.
   */
  async ingest(body: unknown, bodyBytes: number, credential: Credential = 'none'): Promise<AcceptedTurn> {
    let provider: unknown = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['provider'] : undefined;
    this.metrics.inFlight.inc();
    try {
      const envelope = this.parseEnvelope(body);
      provider = envelope.provider;
      const reducer = this.reducerFor(envelope);
      const started = process.hrtime.bigint();
      const result = await this.process(envelope, reducer, captureSiteOf(envelope, credential));
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

  parseEnvelope(body: unknown): IngestEnvelope {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Rejection('reject_envelope', 'malformed_envelope', 'the body must be a JSON object (a turn envelope)');
    }
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      throw new Rejection('reject_envelope', 'malformed_envelope', `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    const parsed = ingestEnvelopeSchema.safeParse(body);
    if (!parsed.success) throw new Rejection('reject_envelope', 'malformed_envelope', `invalid envelope: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  /** The shared turn policy and reducer selection, with each refusal mapped to ingest's statuses. */
  private reducerFor(envelope: IngestEnvelope): Reducer {
    const { provider, api, path } = envelope;
    if (!isProvider(provider)) {
      throw new Rejection('unknown_provider', 'unknown_provider', `unsupported provider ${JSON.stringify(provider)} (supported: ${PROVIDERS.join(', ')})`);
    }
    if (api !== undefined && !isTurnApi(api)) {
      throw new Rejection('unknown_provider', 'unprocessable_turn', `unsupported api ${JSON.stringify(api)} (supported: ${TURN_APIS.join(', ')})`);
    }
    // Like the proxy and the sidecar, ingest records only a 200 from a turn endpoint: a
    // rate-limit error or a count_tokens call is not a conversation turn.
    if (envelope.status !== undefined) {
      const status = turnPolicy.status(envelope.status);
      if (!status.turn) throw new Rejection('upstream_status', 'unprocessable_turn', `only turns the upstream answered with 200 are recorded (${status.detail})`);
    }
    let reducer: Reducer | undefined;
    if (api !== undefined) reducer = selectReducer(this.reducers, { api });
    else if (path !== undefined) {
      const verdict = turnPolicy.request({ method: 'POST', path, provider, reducers: this.reducers });
      if (!verdict.turn) throw new Rejection('non_turn_request', 'unprocessable_turn', `${JSON.stringify(path)} is not a turn endpoint (${TURN_APIS.join(', ')})`);
      reducer = verdict.reducer;
    } else reducer = selectReducer(this.reducers, { provider });
    if (!reducer) throw new Rejection('unknown_provider', 'unknown_provider', `no reducer serves provider ${provider}`);
    if (reducer.provider !== provider) {
      throw new Rejection('reject_parse', 'unprocessable_turn', `${api ? `api ${api}` : `path ${path}`} belongs to ${reducer.provider}, not ${provider}`);
    }
    return reducer;
  }

  private async process(envelope: IngestEnvelope, reducer: Reducer, site: CaptureSite): Promise<AcceptedTurn> {
    const known = this.parsedForm(envelope, reducer);
    const requestId = envelope.request_id ?? derivedRequestId(envelope);
    const turn = capturedTurn(envelopeToCapturedTurn(envelope, { requestId, provider: reducer.provider, api: reducer.api, site, now: new Date() }));
    this.checkSessionEnvelope(site, envelope.capture_site, turn.requestHeaders);
    let record;
    try {
      ({ record } = await toTurnRecord(turn, { reducers: this.reducers, project: this.config.project, decodeBudget: this.decodeBudget, scrubBodySecrets: this.config.scrubBodySecrets }, known));
    } catch (err) {
      if (!(err instanceof DecodeMemoryExhaustedError)) throw err;
      this.logger.warn({ requestId, decodeMemory: this.config.limits.decodeMemoryBytes }, 'decode memory is spent; answering 503');
      throw new Rejection('overloaded', 'overloaded', `${err.message} (INGEST_DECODE_MEMORY)`, { cause: err, retryAfterSeconds: this.config.retryAfterSeconds });
    }
    let stored: StoreResult;
    try {
      stored = await this.store.storeTurn(record);
    } catch (err) {
      throw this.storageError(err, requestId);
    }
    const line = turnLogLine({
      agentName: record.agentName,
      provider: reducer.provider,
      model: record.model,
      outcome: record.outcome,
      usage: record.usage,
      newNodes: stored.newNodeCount,
      turnId: stored.turnId,
      duplicate: stored.status === 'duplicate',
    });
    this.logger.log({ requestId, headHash: stored.headHash, ...line.fields }, line.message);
    if (stored.status === 'stored') {
      this.events.publish({ session_id: sessionIdOf(record) ?? null, turn_id: stored.turnId, thread_id: record.session?.threadId ?? '', agent: record.agentName ?? null, outcome: record.outcome, at: new Date().toISOString() });
    }
    return {
      status: 'accepted',
      duplicate: stored.status === 'duplicate',
      request_id: requestId,
      turn_id: stored.turnId,
      head_hash: stored.headHash,
      nodes: stored.nodeCount,
      new_nodes: stored.newNodeCount,
      outcome: record.outcome,
      diagnostics: (record.diagnostics ?? []).map((d) => d.code),
    };
  }

  /**
   * A client posting its own turn hears about an `X-Tapes-*` envelope the reader refuses (400,
   * the field and rule named). A capture site's turn is stored all the same, the envelope set aside
   * with a diagnostic: the agent sent those headers, not the site, and refusing would lose the turn.
   * A post that says it comes from a capture site gets that leniency even when it could not prove
   * it (a sidecar beside an ingest without a token is recorded as `ingest`): the claim can only
   * spare the poster's own turn, never change how it is recorded.
   */
  private checkSessionEnvelope(site: CaptureSite, claimed: CaptureSite | undefined, headers: Parameters<typeof sessionIdentity>[0]['headers']): void {
    if (site !== 'ingest' || (claimed !== undefined && claimed !== 'ingest')) return;
    const identity = sessionIdentity({ headers });
    if (!identity.ok) {
      throw new Rejection('reject_envelope', 'malformed_envelope', `request_headers: the X-Tapes session envelope's ${identity.error.field} ${identity.error.rule}`);
    }
  }

  /**
   * The parsed (#192) form promises a structured request and one-shot response: one that is not
   * is a 422, as in Go, so both are parsed up front — once; the pipeline reuses them.
   */
  private parsedForm(envelope: IngestEnvelope, reducer: Reducer): { request?: ChatRequest; response?: ChatResponse } {
    if (envelope.response === undefined) return {};
    let request: ChatRequest | undefined;
    if (envelope.request !== undefined) {
      try {
        request = reducer.parseRequest(envelope.request, { path: envelope.path });
      } catch (err) {
        throw new Rejection('reject_parse', 'unprocessable_turn', `cannot parse request as ${reducer.api}: ${(err as Error).message}`);
      }
    }
    const response = reducer.reduceJson(envelope.response);
    if (response.message.content.length === 0 && response.diagnostics.some((d) => d.code === 'empty_response' || d.code === 'parse_error')) {
      throw new Rejection('reject_parse', 'unprocessable_turn', `cannot parse response as ${reducer.api}: ${response.diagnostics.map((d) => d.detail).join('; ')}`);
    }
    return request ? { request, response } : { response };
  }

  private storageError(err: unknown, requestId: string): TapesError {
    if (err instanceof StorageUnavailableError) {
      this.logger.warn({ requestId, err }, 'storage unavailable; answering 503');
      return new Rejection('downstream_error', 'storage_unavailable', 'storage is unavailable; retry later', { cause: err, retryAfterSeconds: this.config.retryAfterSeconds });
    }
    if (err instanceof InvalidTurnError && err.code === 'request_id_conflict') {
      // A reused request id with other content: refused, not a silent `duplicate` that drops it (#13).
      return new Rejection('reject_conflict', 'conflict', `request_id ${JSON.stringify(requestId)} is already stored with different content; a different turn needs its own request_id (the same content again is an idempotent duplicate)`, { cause: err });
    }
    if (err instanceof InvalidTurnError) {
      const tooLarge = err.code === 'oversize_field';
      return new Rejection(tooLarge ? 'reject_too_large' : 'reject_parse', tooLarge ? 'payload_too_large' : 'unprocessable_turn', inEnvelopeTerms(err), { cause: err });
    }
    // Not the client's doing: the exception filter logs the cause, the client hears "internal error".
    return err instanceof TapesError ? err : new TapesError('internal', 'internal error', { cause: err });
  }
}

/**
 * Where the turn was captured, decided by the server (#13): a site other than ingest only when the
 * request proved the capture token (INGEST_TOKEN, which the sidecar shares) — a `capture_site` in
 * the body of an unauthenticated post is not believed. The site decides whether a refused X-Tapes
 * envelope is a 400 (a client posting its own turn) or set aside with a diagnostic (a capture
 * site's turn is never refused for headers the agent sent).
 */
function captureSiteOf(envelope: IngestEnvelope, credential: Credential): CaptureSite {
  return credential === 'capture_token' && envelope.capture_site !== undefined ? envelope.capture_site : 'ingest';
}

/** The envelope's names for the record fields storage may refuse, so a 4xx names what the client sent. */
const ENVELOPE_FIELDS: Readonly<Record<string, string>> = {
  requestId: 'request_id',
  agentName: 'agent_name',
  startedAt: 'started_at',
  firstByteAt: 'first_byte_at',
  endedAt: 'ended_at',
  responseContentType: 'response_content_type',
  responseContentEncoding: 'response_content_encoding',
  path: 'path',
  model: 'model',
};

/** Storage's message with the field as the envelope names it (`startedAt must be …` → `started_at must be …`). */
function inEnvelopeTerms(err: InvalidTurnError): string {
  const name = err.field === undefined ? undefined : ENVELOPE_FIELDS[err.field];
  return name && err.message.startsWith(err.field as string) ? `${name}${err.message.slice((err.field as string).length)}` : err.message;
}

/**
 * A stable id for a turn posted without `request_id`: the same content posted twice is the same
 * turn (idempotent retries), different content never collides.
 */
function derivedRequestId(envelope: IngestEnvelope): string {
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const identity = canonicalJson({
    provider: envelope.provider,
    api: envelope.api ?? '',
    path: envelope.path ?? '',
    agent_name: envelope.agent_name ?? '',
    request: digest(envelopeRequestBytes(envelope)),
    response: digest(envelopeResponseBytes(envelope)),
    encoding: envelope.response_content_encoding ?? '',
  });
  return `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}
