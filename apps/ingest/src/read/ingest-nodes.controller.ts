import { Controller, Get, Query } from '@nestjs/common';
import { pageQuerySchema, ReadService, ZodQueryPipe } from '@tapes/read-api';
import type { z } from 'zod';

/**
 * tapes' (Go) `GET /v1/ingest/nodes?agent=` in its own shape (`count`, `nodes`), kept for clients
 * written against the original; everything else is the shared read API under `/v1`.
 */
@Controller('v1/ingest')
export class IngestNodesController {
  constructor(private readonly read: ReadService) {}

  @Get('nodes')
  async nodes(@Query(new ZodQueryPipe(pageQuerySchema)) query: z.output<typeof pageQuerySchema>) {
    const page = await this.read.nodes(query);
    return { count: page.items.length, nodes: page.items, ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}) };
  }
}
