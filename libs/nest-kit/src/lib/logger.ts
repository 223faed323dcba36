import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Paths never worth a log line per request: probes and scrapes, at the root or under the proxy's /_tapes. */
const QUIET_PATH = /^(?:\/_tapes)?\/(?:health(?:\/[a-z]+)?|metrics|ping)$/;

/**
 * Structured JSON logs (pino via nestjs-pino): one request id on every line of a request (the
 * client's `x-request-id` when it sent one), credentials redacted, probes not logged.
 */
export function tapesLoggerModule(options: { level: string; app: string }): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: options.level,
      base: { app: options.app },
      genReqId: (req: IncomingMessage) => {
        const given = req.headers['x-request-id'];
        return (Array.isArray(given) ? given[0] : given) || randomUUID();
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers.cookie',
          'req.headers["proxy-authorization"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      // Nest's Fastify middleware layer may rewrite req.url before this runs; originalUrl is what was asked.
      autoLogging: {
        ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATH.test((req.originalUrl ?? req.url ?? '').split('?')[0] ?? ''),
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  });
}
