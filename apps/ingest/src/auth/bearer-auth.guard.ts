import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SetMetadata } from '@nestjs/common';
import { TAPES_CONFIG, TapesError } from '@tapes/nest-kit';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { IngestConfig } from '../config/ingest-config';

const PUBLIC = Symbol('public-route');
/** Marks a route that never needs the token (/ping, /health, /metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

/** Paths outside Nest controllers' metadata that are public too. */
const PUBLIC_PATHS = new Set(['/metrics']);

/**
 * Optional bearer-token auth (INGEST_TOKEN). The comparison is constant-time over SHA-256 digests,
 * so neither the token's content nor its length leaks through timing.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(TAPES_CONFIG) config: IngestConfig,
    private readonly reflector: Reflector,
  ) {
    this.expected = config.INGEST_TOKEN ? digest(config.INGEST_TOKEN) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (PUBLIC_PATHS.has(req.url.split('?')[0] ?? '')) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match && timingSafeEqual(digest(match[1] as string), this.expected)) return true;
    (req as FastifyRequest & { tapesAuthRejected?: boolean }).tapesAuthRejected = true;
    throw new TapesError('unauthorized', header ? 'the bearer token is not valid' : 'missing Authorization: Bearer <token>');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
