import { Inject, Injectable } from '@nestjs/common';
import { TAPES_CONFIG, TapesError, type Credential, type ErrorBody } from '@tapes/nest-kit';
import type { IngestConfig } from '../config/ingest-config';
import { IngestMetrics } from './ingest.metrics';
import { IngestService, type AcceptedTurn } from './ingest.service';
import { batchEnvelopeSchema, describeIssues } from '@tapes/capture';

export type BatchItemResult = ({ index: number } & AcceptedTurn) | ({ index: number; status: 'rejected'; http_status: number } & ErrorBody);

export interface BatchOutcome {
  httpStatus: 202 | 207 | 422 | 503;
  retryAfterSeconds?: number;
  body: { accepted: number; rejected: number; results: BatchItemResult[]; error?: ErrorBody['error'] };
}

/**
 * `POST /v1/ingest/batch`: each turn goes through exactly the single-turn path (so metrics and
 * rules are the same), in order. The status tells the truth about the whole batch: 202 all
 * accepted, 207 some, 422 none. Storage going away stops the batch with 503; the turns already
 * stored are listed, and a retry of the whole batch is safe because request ids make it idempotent.
 */
@Injectable()
export class IngestBatchService {
  constructor(
    private readonly ingest: IngestService,
    private readonly metrics: IngestMetrics,
    @Inject(TAPES_CONFIG) private readonly config: IngestConfig,
  ) {}

  async ingestBatch(body: unknown, credential: Credential = 'none'): Promise<BatchOutcome> {
    const parsed = batchEnvelopeSchema.safeParse(body);
    if (!parsed.success) {
      this.metrics.write(undefined, 'reject_envelope');
      this.metrics.batches.inc({ status: '400' });
      throw new TapesError('malformed_envelope', `invalid batch: ${describeIssues(parsed.error)}`);
    }
    const { turns } = parsed.data;
    if (turns.length > this.config.limits.batchMaxTurns) {
      this.metrics.write(undefined, 'reject_too_large');
      this.metrics.batches.inc({ status: '413' });
      throw new TapesError('payload_too_large', `a batch holds at most ${this.config.limits.batchMaxTurns} turns (got ${turns.length})`);
    }
    this.metrics.batchTurns.observe(turns.length);

    const results: BatchItemResult[] = [];
    let accepted = 0;
    for (const [index, turn] of turns.entries()) {
      try {
        results.push({ index, ...(await this.ingest.ingest(turn, Buffer.byteLength(JSON.stringify(turn) ?? ''), credential)) });
        accepted++;
      } catch (err) {
        if (!(err instanceof TapesError)) throw err;
        // The store or the decode budget is away for now: the whole rest of the batch is to come back.
        if (err.code === 'storage_unavailable' || err.code === 'overloaded') {
          this.metrics.batches.inc({ status: '503' });
          return {
            httpStatus: 503,
            ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
            body: { accepted, rejected: results.length - accepted, results, error: err.body().error },
          };
        }
        results.push({ index, status: 'rejected', http_status: err.status, ...err.body() });
      }
    }
    const rejected = results.length - accepted;
    const httpStatus = rejected === 0 ? 202 : accepted === 0 ? 422 : 207;
    this.metrics.batches.inc({ status: String(httpStatus) });
    return { httpStatus, body: { accepted, rejected, results } };
  }
}
