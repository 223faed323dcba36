import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Logger, LoggerModule, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pretty from 'pino-pretty';
import { z } from 'zod';
import { redactUrl } from '@tapes/capture';

/** How log lines are written: `pretty` (one readable line, for a terminal), `json` (for collectors), `auto` (pretty on a TTY). */
export const logFormat = z.enum(['auto', 'pretty', 'json'], { error: 'must be auto, pretty or json' }).default('auto');
export type LogFormat = z.output<typeof logFormat>;

/** Paths never worth a log line per request: probes and scrapes, at the root or under the proxy's /_tapes. */
const QUIET_PATH = /^(?:\/_tapes)?\/(?:health(?:\/[a-z]+)?|metrics|ping)$/;

/**
 * Nest's own start-up chatter (one line per module and per route). Useful when debugging the
 * framework, noise for a user waiting for the one line that says where tapes listens: demoted to
 * `debug`.
 */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Where log lines go and in which form, as resolved from the options. */
interface LogOutput {
  pretty: boolean;
  destination: NodeJS.WritableStream;
}
const LOG_OUTPUT = Symbol('LOG_OUTPUT');

/** The app logger: nestjs-pino's, with Nest's bootstrap lines moved to `debug`. */
@Injectable()
export class TapesLogger extends Logger {
  constructor(
    logger: PinoLogger,
    @Inject(PARAMS_PROVIDER_TOKEN) params: Params,
    @Inject(LOG_OUTPUT) private readonly output: LogOutput,
  ) {
    super(logger, params);
  }

  /**
   * The start-up announcement: plain lines, undecorated, when a person reads a terminal (the first
   * thing they see); one JSON line with the same text and `fields` for a collector.
   */
  announce(lines: readonly string[], fields: Record<string, unknown> = {}): void {
    if (this.output.pretty) this.output.destination.write(`${lines.join('\n')}\n`);
    else this.logger.info(fields, lines.map((l) => l.trim()).join(' · '));
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) this.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}

@Module({})
class TapesLoggerProviders {}

export interface TapesLoggerOptions {
  level: string;
  app: string;
  format?: LogFormat;
  /** Where lines go (tests); default stdout. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `auto` means pretty lines for a person at a terminal, JSON for everything else (pipes, files, collectors). */
export function resolveLogFormat(format: LogFormat | undefined, destination: { isTTY?: boolean }): 'pretty' | 'json' {
  if (format === 'pretty' || format === 'json') return format;
  return destination.isTTY ? 'pretty' : 'json';
}

/**
 * Logs (pino via nestjs-pino), either JSON for collectors or one readable line per event when a
 * person watches a terminal: one request id on every line of a request (the client's
 * `x-request-id` when it sent one), credentials redacted, probes not logged, and requests that went
 * well logged only at `debug` (a user wants to see turns, not every read of the API).
 */
export function tapesLoggerModule(options: TapesLoggerOptions): DynamicModule {
  const destination = options.destination ?? process.stdout;
  const format = resolveLogFormat(options.format, destination);
  const stream =
    format === 'pretty'
      ? pretty({
          destination,
          sync: true,
          colorize: Boolean(destination.isTTY),
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,app,context,req,res,responseTime',
          singleLine: true,
          messageFormat: '{if context}{context}: {end}{msg}',
        })
      : destination;
  const params: Params = {
    pinoHttp: [
      {
        level: options.level,
        base: { app: options.app },
        genReqId: (req: IncomingMessage) => {
          const given = req.headers['x-request-id'];
          return (Array.isArray(given) ? given[0] : given) || randomUUID();
        },
        redact: {
          paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]'],
          censor: '[redacted]',
        },
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
        // Nest's Fastify middleware layer may rewrite req.url before this runs; originalUrl is what was asked.
        autoLogging: {
          ignore: (req: IncomingMessage & { originalUrl?: string }) => QUIET_PATH.test((req.originalUrl ?? req.url ?? '').split('?')[0] ?? ''),
        },
        serializers: {
          // Every logged URL goes through the one redaction policy (#13): `?key=…`, `?token=…` never reach a log.
          req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url ?? '') }),
        },
      },
      stream,
    ],
  };
  const output: LogOutput = { pretty: format === 'pretty', destination };
  return {
    module: TapesLoggerProviders,
    global: true,
    imports: [LoggerModule.forRoot(params)],
    providers: [TapesLogger, { provide: LOG_OUTPUT, useValue: output }],
    exports: [TapesLogger, LoggerModule],
  };
}
