import { Server, ServerCredentials, type ServerDuplexStream } from '@grpc/grpc-js';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Reducer } from '@tapes/capture';
import { ByteBudget, type TrackedExchange } from '@tapes/delivery';
import { Exchange, extProcServiceDefinition, ProcessCallHandler, type ExchangeEnd, type ProcessingKind, type ProcessingRequest } from '@tapes/ext-proc';
import { REDUCERS, TAPES_CONFIG } from '@tapes/nest-kit';
import type { SidecarConfig } from '../config/sidecar-config';
import { TurnDelivery } from '../delivery/turn-delivery';
import { SidecarMetrics } from '../metrics/sidecar-metrics';

/**
 * The gRPC server Envoy's ext_proc filter talks to (h2c on SIDECAR_GRPC_HOST:SIDECAR_GRPC_PORT). Each
 * `Process` stream becomes one {@link Exchange}; its end is counted, and a captured turn goes to
 * {@link TurnDelivery}.
 *
 * Shutdown (SIGTERM): stop accepting streams, let open ones finish for TAPES_SHUTDOWN_GRACE, then cut
 * the rest; each cut exchange ends as if Envoy had cancelled it, so a turn whose response had
 * begun is still handed over (and journaled), before {@link TurnDelivery} stops.
 */
@Injectable()
export class ExtProcServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ExtProcServer.name);
  private readonly server: Server;
  private readonly open = new Set<ProcessCallHandler>();
  /** Turns handed to delivery whose journal write has not returned yet. */
  private readonly accepting = new Set<Promise<unknown>>();
  private boundPort: number | undefined;

  constructor(
    @Inject(TAPES_CONFIG) private readonly config: SidecarConfig,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
    private readonly budget: ByteBudget,
    private readonly delivery: TurnDelivery,
    private readonly metrics: SidecarMetrics,
  ) {
    this.server = new Server({
      'grpc.max_receive_message_length': config.grpc.maxMessageBytes,
      'grpc.max_send_message_length': config.grpc.maxMessageBytes,
    });
    this.server.addService(extProcServiceDefinition(), { Process: (call: ServerDuplexStream<ProcessingRequest, ProcessingKind>) => this.serve(call) });
  }

  async onApplicationBootstrap(): Promise<void> {
    const address = `${this.config.grpc.host}:${this.config.grpc.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => (err ? reject(new Error(`cannot listen for ext_proc on ${address}: ${err.message}`, { cause: err })) : resolve(port)));
    });
    this.logger.log({ address: `${this.config.grpc.host}:${this.boundPort}` }, 'ext_proc gRPC server listening');
  }

  async onModuleDestroy(): Promise<void> {
    if (this.boundPort === undefined) return;
    this.boundPort = undefined;
    const drained = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.config.limits.shutdownGraceMs)));
    const result = await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn({ open: this.open.size, graceMs: this.config.limits.shutdownGraceMs }, 'ext_proc streams still open after the grace period: cutting them');
      this.server.forceShutdown();
    }
    // Whatever the transport reports later, every exchange is ended now, before delivery stops.
    const cut = this.open.size;
    for (const handler of [...this.open]) handler.close('cancelled', 'sidecar shutting down');
    this.logger.log({ cutStreams: cut }, 'ext_proc gRPC server stopped');
  }

  /** The port actually bound (differs from the configured one when that is 0); undefined when not listening. */
  get port(): number | undefined {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.boundPort !== undefined;
  }

  /** Resolves once every captured turn has been handed to delivery (journaled). */
  async settled(): Promise<void> {
    while (this.accepting.size > 0) await Promise.allSettled([...this.accepting]);
  }

  /** Streams open right now. */
  get openStreams(): number {
    return this.open.size;
  }

  private serve(call: ServerDuplexStream<ProcessingRequest, ProcessingKind>): void {
    const exchange = new Exchange({ reducers: this.reducers, budget: this.budget, maxBodyBytes: this.config.limits.maxCaptureBodyBytes });
    this.metrics.inflightExchanges.inc();
    // The journal's in-flight mark of a turn under way: a crash before it ends is counted at the next start.
    let tracked: TrackedExchange | undefined;
    let marked = false;
    const handler: ProcessCallHandler = new ProcessCallHandler(call, exchange, {
      onMessage: (kind) => {
        this.metrics.message(kind);
        const provider = exchange.turnProvider;
        if (!tracked && provider && exchange.id !== undefined) {
          tracked = this.delivery.track({ requestId: exchange.id, provider });
          void tracked?.written.then(() => (marked = true));
        }
        // Envoy lets the response begin once this reply is written: the mark must be on disk by then.
        return kind === 'response_headers' && tracked && !marked ? tracked.written : undefined;
      },
      onEnd: (end) => this.onEnd(end, tracked),
      onClosed: () => {
        this.open.delete(handler);
        this.metrics.inflightExchanges.dec();
      },
      onCaptureError: (err, failed) => this.logger.error({ err, requestId: failed.id }, 'capture failed on this exchange; forwarding is unaffected'),
    });
    this.open.add(handler);
  }

  /** Counts the end; a captured turn is handed to delivery, and its journal write returned (awaited before the deciding reply). */
  private onEnd(end: ExchangeEnd, tracked: TrackedExchange | undefined): Promise<unknown> | undefined {
    this.metrics.exchanges.inc({ outcome: end.outcome });
    if (end.outcome !== 'captured' && tracked) this.delivery.untrack(tracked);
    switch (end.outcome) {
      case 'captured': {
        this.metrics.capture.turnsCaptured.inc({ provider: end.turn.provider });
        const accepted = this.delivery.accept(end.turn, end.heldBytes, tracked);
        this.accepting.add(accepted);
        void accepted.finally(() => this.accepting.delete(accepted));
        return accepted;
      }
      case 'not_recorded':
        this.metrics.capture.dropped(end.provider, end.reason);
        this.logger.debug({ requestId: end.requestId, reason: end.reason }, 'exchange not recorded');
        return undefined;
      case 'dropped':
        this.metrics.capture.dropped(end.provider, end.reason);
        this.logger.warn({ requestId: end.requestId, provider: end.provider, reason: end.reason }, 'turn dropped before delivery');
        return undefined;
      case 'empty':
        return undefined;
    }
  }
}
