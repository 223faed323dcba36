import { Controller, Get, Req } from '@nestjs/common';
import { TAPES_VERSION } from '@tapes/nest-kit';
import type { FastifyRequest } from 'fastify';
import { readApiDocument } from './openapi';

@Controller()
export class OpenApiController {
  /** The read API's document, with `servers` naming where this app mounts it. */
  @Get('openapi.json')
  document(@Req() req: FastifyRequest) {
    const base = ((req.originalUrl ?? req.url).split('?')[0] ?? '').replace(/\/openapi\.json$/, '');
    return { ...readApiDocument(TAPES_VERSION), servers: [{ url: base || '/' }] };
  }
}
