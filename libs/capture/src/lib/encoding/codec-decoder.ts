/**
 * How one coding's decoder ended. `truncated` is the input stopping before the coding's own end
 * marker (the only shape a salvage can come from); `corrupt` is anything else the decoder refused.
 */
export type CodecEnd = { kind: 'complete' } | { kind: 'truncated'; message: string } | { kind: 'corrupt'; message: string };

/**
 * One coding's incremental decoder (gzip, zstd, …), fed the encoded bytes of one layer. It hands
 * decoded bytes to the sink it was built with, in order. It knows nothing about caps or outcomes:
 * {@link LayerStage} owns those, so every coding gets the same policy.
 */
export interface CodecDecoder {
  /** The next encoded bytes. Never throws; a failure is kept and reported by {@link finish}. */
  write(chunk: Uint8Array): void;
  /** The input ended: resolves once every decodable byte has reached the sink. Called once. */
  finish(): Promise<CodecEnd>;
  /**
   * Stop now and release resources; no more output reaches the sink, and a pending or later
   * {@link finish} still resolves. Safe to call from inside the sink (the bomb guard does).
   */
  abort(): void;
}

/** Receives decoded bytes. */
export type CodecSink = (chunk: Uint8Array) => void;
