import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { credentialOf } from '@tapes/nest-kit';
import { IngestBatchService } from './ingest-batch.service';
import { IngestService, type AcceptedTurn } from './ingest.service';

/** Thin HTTP adapter over the ingest services; statuses come from the services' errors. */
@Controller('v1/ingest')
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly batch: IngestBatchService,
  ) {}

  @Post()
  @HttpCode(202)
  one(@Body() body: unknown, @Req() req: FastifyRequest): Promise<AcceptedTurn> {
    return this.ingest.ingest(body, Number(req.headers['content-length'] ?? 0) || Buffer.byteLength(JSON.stringify(body) ?? ''), credentialOf(req));
  }

  @Post('batch')
  async many(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const outcome = await this.batch.ingestBatch(body, credentialOf(req));
    reply.status(outcome.httpStatus);
    if (outcome.retryAfterSeconds !== undefined) reply.header('Retry-After', String(outcome.retryAfterSeconds));
    return outcome.body;
  }
}
