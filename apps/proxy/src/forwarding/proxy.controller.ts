import { All, Controller, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForwardingService } from './forwarding.service';

/**
 * Every path not under `/_tapes/` is proxied. The reply is hijacked: the exchange is streamed on
 * the raw Node request and response, so Nest and Fastify neither buffer nor parse it (the body
 * parser is a passthrough, see `passthrough-body.ts`) — and so Nest's exception filter never runs
 * here; `ForwardingService` answers its own failures.
 */
@Controller()
export class ProxyController {
  constructor(private readonly forwarding: ForwardingService) {}

  @All('*')
  forward(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    void this.forwarding.forward(request.raw, reply.raw);
  }
}
