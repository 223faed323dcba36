import { Controller, Get, Param, Query } from '@nestjs/common';
import { TapesError } from '@tapes/nest-kit';
import type { AncestryResult, Page, StoredNode } from '@tapes/storage';
import { CapturedService } from './captured.service';
import type { TurnView } from './captured-view';

/**
 * What the proxy captured, as JSON (mounted under `/_tapes/`): a turn by id or request id, a node,
 * a node's ancestry (newest first, ref §1.4), the conversation heads (leaves) and all nodes.
 */
@Controller('v1')
export class CapturedController {
  constructor(private readonly captured: CapturedService) {}

  @Get('turns/:id')
  turn(@Param('id') id: string, @Query('bodies') bodies?: string): Promise<TurnView> {
    return this.captured.turn(id, bodies === 'true' || bodies === '1');
  }

  @Get('nodes/:hash')
  node(@Param('hash') hash: string): Promise<StoredNode> {
    return this.captured.node(hash);
  }

  @Get('nodes/:hash/ancestry')
  ancestry(@Param('hash') hash: string, @Query('limit') limit?: string): Promise<AncestryResult> {
    return this.captured.ancestry(hash, optionalPositiveInt('limit', limit));
  }

  @Get('heads')
  heads(@Query('agent') agent?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<Page<StoredNode>> {
    return this.captured.heads(pageOptions(agent, limit, cursor));
  }

  @Get('nodes')
  nodes(@Query('agent') agent?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<Page<StoredNode>> {
    return this.captured.nodes(pageOptions(agent, limit, cursor));
  }
}

function pageOptions(agent: string | undefined, limit: string | undefined, cursor: string | undefined): { agent?: string; limit?: number; cursor?: string } {
  const parsedLimit = optionalPositiveInt('limit', limit);
  return { ...(agent ? { agent } : {}), ...(parsedLimit === undefined ? {} : { limit: parsedLimit }), ...(cursor ? { cursor } : {}) };
}

function optionalPositiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new TapesError('malformed_envelope', `${name} must be a positive integer`);
  return Number(value);
}
