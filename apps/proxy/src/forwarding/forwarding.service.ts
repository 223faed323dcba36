import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { redactUrl, type Interruption } from '@tapes/capture';
import { TAPES_CONFIG, TapesError } from '@tapes/nest-kit';
import type { ProxyConfig } from '../config/proxy-config';
import { idleGuarded, RequestBodyIdleError } from './request-body-idle';
import type { Dispatcher } from 'undici';
import { CaptureService, type ExchangeCapture } from '../capture/capture.service';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { UpstreamRouter, type ExchangeRoute } from '../routing/upstream-router';
import { ExchangeTracker } from './exchange-tracker';
import { clientResponseHeaders, upstreamRequestHeaders } from './hop-by-hop-headers';
import { ClientGoneError, relay } from './relay';
import { UpstreamClient } from './upstream-client';
import { errorCode, upstreamFailure, writeFailure } from './upstream-failure';

/**
 * Relays one exchange between a client and its upstream, streaming both ways, and lets capture
 * watch the bytes go by (design §3, §7).
 *
 * Forwarding comes first: the only thing awaited is the upstream; capture is fed synchronously
 * after each chunk has been handed on, never awaited, and its failures are contained. The client
 * gets the upstream's status, headers (minus hop-by-hop ones) and body bytes exactly as sent —
 * compressed bodies stay compressed. When either side goes away mid-stream the other is cut the
 * same way (an aborted upstream request; a destroyed client socket, never a response that
 * pretends to be complete), and capture keeps what arrived, marked as interrupted.
 */
@Injectable()
export class ForwardingService {
  private readonly logger = new Logger(ForwardingService.name);
  private readonly requestBodyIdleMs: number;

  constructor(
    @Inject(TAPES_CONFIG) config: ProxyConfig,
    private readonly router: UpstreamRouter,
    private readonly upstream: UpstreamClient,
    private readonly capture: CaptureService,
    private readonly metrics: ProxyMetrics,
    private readonly tracker: ExchangeTracker,
  ) {
    this.requestBodyIdleMs = config.limits.requestBodyIdleMs;
  }

  /** Forwards one exchange; resolves when it is over. Never rejects. */
  async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const startedAt = new Date();
    const method = req.method ?? 'GET';
    const route = this.router.route(req.url ?? '/', req.headers);
    const capture = this.capture.begin(route, method, req.headers, startedAt);

    const controller = new AbortController();
    let interruption: Interruption | undefined;
    const exchange = {
      abort: (reason: string): void => {
        interruption ??= { reason, detail: 'the proxy is shutting down' };
        controller.abort();
        res.destroy();
      },
    };
    this.tracker.add(exchange);
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      interruption ??= { reason: 'client_disconnect', detail: 'the client closed the connection before the response ended' };
      controller.abort();
    };
    res.once('close', onClientClose);

    try {
      await this.exchange(req, res, route, capture, controller.signal, started, () => interruption);
    } catch (err) {
      // exchange() handles every failure it expects; this is a bug, and the client must not hang.
      this.logger.error({ err, path: redactUrl(route.path) }, 'forwarding failed unexpectedly');
      capture.drop('capture_error', `forwarding failed: ${errorMessage(err)}`);
      writeFailure(res, upstreamFailure(err, route.origin));
    } finally {
      res.off('close', onClientClose);
      this.tracker.delete(exchange);
    }
  }

  private async exchange(
    req: IncomingMessage,
    res: ServerResponse,
    route: ExchangeRoute,
    capture: ExchangeCapture,
    signal: AbortSignal,
    started: number,
    interruption: () => Interruption | undefined,
  ): Promise<void> {
    const provider = route.provider;
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await this.upstream.request({
        origin: route.origin,
        path: route.upstreamPath,
        method: req.method as Dispatcher.HttpMethod,
        headers: upstreamRequestHeaders(req.rawHeaders, req.headers.connection),
        body: hasBody(req) ? this.requestBody(req, capture) : null,
        signal,
      });
    } catch (err) {
      if (err instanceof RequestBodyIdleError) {
        // The client stalled mid-upload: the upstream request is abandoned, the client told why (#13).
        this.logger.warn({ provider, path: redactUrl(route.path), idleMs: err.idleMs }, 'request body timed out');
        capture.drop('request_incomplete', err.message);
        this.metrics.requests.inc({ provider, status: 408 });
        writeFailure(res, new TapesError('request_timeout', `${err.message} (TAPES_REQUEST_BODY_IDLE_TIMEOUT); the request was not completed upstream`), { close: true });
        return;
      }
      const cut = interruption();
      if (cut) {
        capture.drop(cut.reason === 'client_disconnect' ? 'client_disconnect' : 'upstream_no_response', `${cut.reason} before the upstream answered`);
        this.metrics.requests.inc({ provider, status: cut.reason });
        res.destroy();
        return;
      }
      const failure = upstreamFailure(err, route.origin);
      if (isRootProbe(req.method, route.path) && failure.code === 'upstream_unreachable') {
        // `HEAD /` is a liveness probe (Claude Code sends one to its base URL at start, Ollama's
        // CLI checks its server with it). Unclaimed, it goes to Ollama; when no Ollama runs, the
        // proxy itself is what answers: the agent starts as it would without tapes (#12).
        this.logger.debug({ provider, upstreamCode: errorCode(err) }, 'HEAD / answered by the proxy: its upstream is not running');
        this.metrics.requests.inc({ provider, status: 200 });
        res.writeHead(200, { 'content-length': '0' }).end();
        return;
      }
      this.logger.warn({ provider, path: redactUrl(route.path), code: failure.code, upstreamCode: errorCode(err) }, failure.message);
      capture.drop('upstream_no_response', failure.message);
      this.metrics.requests.inc({ provider, status: failure.status });
      writeFailure(res, failure);
      return;
    }

    const status = upstream.statusCode;
    this.metrics.upstreamLatency.observe({ provider }, (performance.now() - started) / 1000);
    this.metrics.requests.inc({ provider, status });
    const tapResponse = capture.responseStarted(status, upstream.headers);
    // A turn the crash could cut from here on must be counted by the next start: its mark is on disk first.
    if (tapResponse && capture.inFlightMarked) await capture.inFlightMarked;

    res.writeHead(status, upstream.statusText || undefined, clientResponseHeaders(upstream.headers));
    // When no body byte has arrived yet (a stream whose first event may be seconds away), the
    // headers go out now so the client sees the response start when the upstream's did. When the
    // body is already here (one-shot responses), they leave with its first chunk: one write, not two.
    if (upstream.body.readableLength === 0) res.flushHeaders();

    let firstByte = true;
    const observe = (chunk: Buffer): void => {
      if (firstByte) {
        firstByte = false;
        this.metrics.timeToFirstByte.observe({ provider }, (performance.now() - started) / 1000);
      }
      if (tapResponse) capture.responseChunk(chunk);
    };
    try {
      // The turn is journaled before the client sees its end: nothing it received can be lost to a crash.
      await relay(
        upstream.body,
        res,
        observe,
        (err) => capture.drop('capture_error', `capture failed: ${errorMessage(err)}`),
        () => capture.finish(interruption()),
      );
    } catch (err) {
      const cut = interruption() ?? bodyFailure(err);
      if (cut.reason !== 'client_disconnect') this.logger.warn({ provider, path: redactUrl(route.path), reason: cut.reason, upstreamCode: errorCode(err) }, `exchange cut: ${cut.detail}`);
      // relay() destroyed the other side: the client sees a broken response, never a completed one.
      void capture.finish(cut);
    }
  }

  /** The request body for undici: the client's stream under an idle timeout, passed through capture first for a turn. */
  private requestBody(req: IncomingMessage, capture: ExchangeCapture): Readable {
    const body = idleGuarded(req as AsyncIterable<Buffer>, this.requestBodyIdleMs);
    return Readable.from(capture.isTurn ? tapRequest(body, capture) : body, { objectMode: false });
  }
}

/**
 * The client's body, chunk by chunk, each one handed to capture (which keeps a reference, up to its
 * limits) as it goes upstream. Iterating the request keeps backpressure (undici pulls as fast as the
 * upstream takes it), and an aborted upload ends the iteration with its error, which aborts the
 * upstream request.
 */
async function* tapRequest(body: AsyncIterable<Buffer>, capture: ExchangeCapture): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    try {
      capture.requestChunk(chunk);
    } catch (err) {
      capture.drop('capture_error', `capture failed on a request chunk: ${errorMessage(err)}`);
    }
    yield chunk;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A `HEAD` of the base URL: a probe of whether something answers there, never a turn. */
function isRootProbe(method: string | undefined, path: string): boolean {
  return method === 'HEAD' && (path === '/' || path === '' || path.startsWith('/?'));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Why a response body stopped early, when the client is not the one who left. */
function bodyFailure(err: unknown): Interruption {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ClientGoneError) return { reason: 'client_disconnect', detail: message };
  if (code === 'UND_ERR_BODY_TIMEOUT') return { reason: 'upstream_timeout', detail: `the upstream went silent mid-body (${message})` };
  return { reason: 'upstream_error', detail: `the upstream connection failed mid-body: ${message}${code ? ` (${code})` : ''}` };
}
