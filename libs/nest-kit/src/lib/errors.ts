import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

/**
 * Every error an HTTP client of tapes can see, by code. {@link HTTP_STATUS} is the only place a
 * code becomes a status; a new code does not compile until it is mapped.
 */
export type TapesErrorCode =
  | 'malformed_envelope'
  | 'invalid_parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'unprocessable_turn'
  | 'unknown_provider'
  | 'invalid_cursor'
  | 'storage_unavailable'
  /** The server is at a memory bound it keeps (#12: ingest's decode budget); retry after Retry-After. */
  | 'overloaded'
  | 'upstream_unreachable'
  | 'upstream_timeout'
  | 'internal';

export const HTTP_STATUS: Record<TapesErrorCode, number> = {
  malformed_envelope: 400,
  invalid_parameter: 400,
  invalid_cursor: 400,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_turn: 422,
  unknown_provider: 422,
  internal: 500,
  upstream_unreachable: 502,
  storage_unavailable: 503,
  overloaded: 503,
  upstream_timeout: 504,
};

/** The JSON body of every error response: `{ "error": { "code", "message" } }`. */
export interface ErrorBody {
  error: { code: TapesErrorCode; message: string; [extra: string]: unknown };
}

export class TapesError extends Error {
  constructor(
    readonly code: TapesErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TapesError';
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ?? {}) } };
  }
}

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): unknown;
}

/** Maps Nest's own HTTP errors (404 route, 413 body limit, 415 …) onto our codes. */
function fromHttpException(err: HttpException): TapesError {
  const status = err.getStatus();
  const code: TapesErrorCode =
    status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 401 ? 'unauthorized' : status < 500 ? 'malformed_envelope' : 'internal';
  return new TapesError(code, err.message);
}

/** Fastify's own client errors (bad JSON, body too large, unsupported content type). */
function fromFastifyError(err: { statusCode?: number; code?: string; message: string }): TapesError | undefined {
  if (typeof err.statusCode !== 'number' || err.statusCode >= 500) return undefined;
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TapesError('payload_too_large', 'request body is larger than the configured limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TapesError(err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'malformed_envelope', err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TapesError('malformed_envelope', 'request body is empty; expected a JSON object');
    default:
      return new TapesError(err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 415 ? 'unsupported_media_type' : 'malformed_envelope', err.message);
  }
}

/**
 * The one global filter: every error leaves as `{ error: { code, message } }` with the status of
 * {@link HTTP_STATUS}. Unknown errors are logged with the error object and answered 500 without
 * internals.
 */
@Catch()
export class TapesExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('TapesExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    if (exception instanceof HttpException && exception.getStatus() === 503) {
      // Terminus reports a failed readiness check this way; its body lists what is down.
      reply.status(503).send(exception.getResponse());
      return;
    }
    let error: TapesError;
    if (exception instanceof TapesError) error = exception;
    else if (exception instanceof HttpException) error = fromHttpException(exception);
    else {
      const fastify = typeof exception === 'object' && exception !== null ? fromFastifyError(exception as { statusCode?: number; code?: string; message: string }) : undefined;
      if (fastify) error = fastify;
      else {
        this.logger.error({ err: exception }, 'unhandled error');
        error = new TapesError('internal', 'internal error');
      }
    }
    // A 500 answered from a TapesError or Nest's own exception says only "internal error" to the
    // client: its cause must reach the log, or nobody can ever find out what it was (#12).
    if (error.status === 500 && exception === error) this.logger.error({ err: error, cause: error.cause }, `internal error: ${causeOf(error)}`);
    else if (error.status === 500 && exception instanceof HttpException) this.logger.error({ err: exception }, `internal error: ${exception.message}`);
    if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
    reply.status(error.status).send(error.body());
  }
}

/** The innermost message of an error's cause chain (what actually failed). */
function causeOf(error: Error): string {
  let at: unknown = error;
  while (at instanceof Error && at.cause !== undefined) at = at.cause;
  return at instanceof Error ? at.message : String(at);
}
