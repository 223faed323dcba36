import { Controller, Delete, Get, Header, Inject, Param, Query, Res, Sse, StreamableFile, type MessageEvent } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { interval, map, merge, type Observable } from 'rxjs';
import type { z } from 'zod';
import { exportQuerySchema, pageQuerySchema, rawQuerySchema, searchQuerySchema, sessionsQuerySchema, statsQuerySchema, turnQuerySchema } from './query-schemas';
import { TURN_EVENTS } from './read-api.tokens';
import { ReadService } from './read.service';
import { SessionExportService } from './session-export.service';
import type { TurnEvents } from './turn-events';
import { ZodQueryPipe } from './zod-query.pipe';

/** A comment line now and then keeps proxies and browsers from closing an idle event stream. */
const KEEPALIVE_MS = 15_000;

/**
 * The read API's routes (#14), relative to where an app mounts them (`/_tapes/v1` on the proxy,
 * `/v1` on ingest). Thin: validate, call the service, return its JSON.
 */
@Controller()
export class ReadController {
  constructor(
    private readonly read: ReadService,
    private readonly exports: SessionExportService,
    @Inject(TURN_EVENTS) private readonly events: TurnEvents,
  ) {}

  @Get('sessions')
  sessions(@Query(new ZodQueryPipe(sessionsQuerySchema)) query: z.output<typeof sessionsQuerySchema>) {
    return this.read.sessions(query);
  }

  @Get('sessions/:id')
  session(@Param('id') id: string) {
    return this.read.session(id);
  }

  @Get('sessions/:id/dag')
  sessionDag(@Param('id') id: string) {
    return this.read.sessionDag(id);
  }

  /** The session as JSONL, OTLP/JSON or HAR (#16), as a download; JSONL streams turn by turn. */
  @Get('sessions/:id/export')
  async exportSession(@Param('id') id: string, @Query(new ZodQueryPipe(exportQuerySchema)) query: z.output<typeof exportQuerySchema>) {
    const document = await this.exports.export(id, query.format, query.bodies);
    return new StreamableFile(document.stream, { type: document.contentType, disposition: `attachment; filename="${document.fileName}"` });
  }

  @Delete('sessions/:id')
  deleteSession(@Param('id') id: string) {
    return this.read.deleteSession(id);
  }

  @Get('turns/:id')
  turn(@Param('id') id: string, @Query(new ZodQueryPipe(turnQuerySchema)) query: z.output<typeof turnQuerySchema>) {
    return this.read.turn(id, query.bodies);
  }

  @Get('turns/:id/decoded')
  decoded(@Param('id') id: string) {
    return this.read.decodedTurn(id);
  }

  /** The body exactly as captured, for a download (the response still content-encoded: no Content-Encoding header is set, so nothing undoes it). */
  @Get('turns/:id/raw')
  async raw(@Param('id') id: string, @Query(new ZodQueryPipe(rawQuerySchema)) query: z.output<typeof rawQuerySchema>, @Res({ passthrough: true }) reply: FastifyReply) {
    const raw = await this.read.raw(id, query.part);
    const extension = raw.contentEncoding ? `.${raw.contentEncoding.split(',')[0]?.trim()}` : '';
    reply.header('content-type', 'application/octet-stream');
    reply.header('x-tapes-content-type', raw.contentType);
    if (raw.contentEncoding) reply.header('x-tapes-content-encoding', raw.contentEncoding);
    reply.header('content-disposition', `attachment; filename="turn-${raw.turnId}-${query.part}${extension}"`);
    return Buffer.from(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength);
  }

  @Get('search')
  search(@Query(new ZodQueryPipe(searchQuerySchema)) query: z.output<typeof searchQuerySchema>) {
    return this.read.search(query);
  }

  @Get('stats')
  stats(@Query(new ZodQueryPipe(statsQuerySchema)) query: z.output<typeof statsQuerySchema>) {
    return this.read.stats(query);
  }

  @Get('heads')
  heads(@Query(new ZodQueryPipe(pageQuerySchema)) query: z.output<typeof pageQuerySchema>) {
    return this.read.heads(query);
  }

  @Get('nodes')
  nodes(@Query(new ZodQueryPipe(pageQuerySchema)) query: z.output<typeof pageQuerySchema>) {
    return this.read.nodes(query);
  }

  @Get('nodes/:hash')
  node(@Param('hash') hash: string) {
    return this.read.node(hash);
  }

  @Get('nodes/:hash/ancestry')
  ancestry(@Param('hash') hash: string) {
    return this.read.ancestry(hash);
  }

  /** Server-sent events: `turn` when a turn is stored (the live views), `ping` to keep the stream open. */
  @Sse('events')
  @Header('cache-control', 'no-store')
  stream(): Observable<MessageEvent> {
    return merge(
      this.events.stream.pipe(map((event): MessageEvent => ({ type: 'turn', data: event }))),
      interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: {} }))),
    );
  }
}
