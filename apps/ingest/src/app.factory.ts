import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { installAccessControl, TapesLogger } from '@tapes/nest-kit';
import { AppModule, type IngestAppOptions } from './app.module';
import { ingestAccessPolicy } from './auth/ingest-access-policy';
import { IngestMetrics } from './ingest/ingest.metrics';

type CountedRequest = { tapesHandled?: boolean };

/** Builds the ingest app (not yet listening): shared by main.ts and the tests. */
export async function createIngestApp(options: IngestAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: options.config.limits.bodyLimitBytes, forceCloseConnections: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, { bufferLogs: true });
  app.useLogger(app.get(TapesLogger));

  // Rejections the framework answers before a handler runs (413 body limit, 415 content type,
  // unparseable JSON, 401) are counted too: the #192 review found paths invisible to metrics.
  const metrics = app.get(IngestMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  // Tokens and the Host check run first, before any body is read or parsed (#13).
  installAccessControl(fastify, ingestAccessPolicy(options.config));
  fastify.addHook('preHandler', async (req) => {
    (req as unknown as CountedRequest).tapesHandled = true;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    const counted = req as unknown as CountedRequest;
    if (req.method !== 'POST' || !req.url.startsWith('/v1/ingest')) return;
    if (reply.statusCode === 401) metrics.write(undefined, 'reject_auth');
    else if (!counted.tapesHandled && reply.statusCode === 413) metrics.write(undefined, 'reject_too_large');
    else if (!counted.tapesHandled && reply.statusCode >= 400 && reply.statusCode < 500) metrics.write(undefined, 'reject_envelope');
  });
  await app.init();
  // Turns are JSON only: anything else is a 415, not a string body that fails validation later.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    if (fastify.hasContentTypeParser(type)) fastify.removeContentTypeParser(type);
  }
  await fastify.ready();
  return app;
}
