import { Controller, Get, Param, Query } from '@nestjs/common';
import { ReadService, type PageQuery } from './read.service';

/** Read routes over what was captured (JSON). */
@Controller('v1')
export class ReadController {
  constructor(private readonly read: ReadService) {}

  /** tapes' `GET /v1/ingest/nodes?agent=`, paginated. */
  @Get('ingest/nodes')
  nodes(@Query() query: PageQuery) {
    return this.read.listNodes(query);
  }

  /** Conversation heads (leaves), newest first. */
  @Get('heads')
  heads(@Query() query: PageQuery) {
    return this.read.heads(query);
  }

  @Get('nodes/:hash')
  node(@Param('hash') hash: string) {
    return this.read.node(hash);
  }

  @Get('nodes/:hash/ancestry')
  ancestry(@Param('hash') hash: string) {
    return this.read.ancestry(hash);
  }

  /** A turn's raw record, by turn id or request id. */
  @Get('turns/:id')
  turn(@Param('id') id: string) {
    return this.read.turn(id);
  }
}
