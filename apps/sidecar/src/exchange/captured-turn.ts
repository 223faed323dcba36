import type { HeaderRecord } from '@tapes/capture';
import type { Provider } from '@tapes/llm';

/** Why an exchange ended without the provider's end of stream. */
export interface TurnInterruption {
  readonly reason: 'client_disconnect';
  readonly detail: string;
}

/**
 * One exchange that qualified as a turn, with everything ingest needs to reduce and store it
 * (design §3). Bodies are exactly the bytes Envoy delivered (still content-encoded); headers are
 * already redacted.
 */
export interface CapturedTurn {
  /** Idempotency key: Envoy's `x-request-id`, else generated once for the exchange. */
  readonly requestId: string;
  readonly provider: Provider;
  readonly path: string;
  readonly agentName?: string;
  readonly requestHeaders: HeaderRecord;
  readonly responseHeaders: HeaderRecord;
  readonly requestBody: Buffer;
  readonly responseBody: Buffer;
  readonly status: number;
  readonly responseContentType?: string;
  readonly responseContentEncoding?: string;
  readonly interrupted?: TurnInterruption;
  readonly startedAt: Date;
  readonly firstByteAt?: Date;
  readonly endedAt: Date;
  /**
   * Bytes of the shared capture budget this turn holds; whoever ends its life (delivery) releases
   * them exactly once.
   */
  readonly reservedBytes: number;
}
