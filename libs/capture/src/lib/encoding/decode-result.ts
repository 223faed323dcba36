/**
 * How decoding a body ended (the content-encoding corpus taxonomy):
 * - `decoded`: a clean decode; no truncation seen;
 * - `salvaged`: the stream stopped early after producing output, and that output was kept. It is
 *   never silently indistinguishable from a clean decode;
 * - `error`: refused; see {@link DecodeErrorClass}.
 */
export type DecodeOutcome = 'decoded' | 'salvaged' | 'error';

/**
 * Why a body was refused, and only these three:
 * - `unsupported`: no decoder for a named coding; nothing was read;
 * - `oversize`: a layer's decoded output crossed the cap (the bomb guard);
 * - `undecodable`: corrupt data, a bad header, a resource bound refused up front (the zstd window),
 *   an empty body under a claimed coding, or an early end that had produced nothing.
 */
export type DecodeErrorClass = 'unsupported' | 'oversize' | 'undecodable';

export interface DecodeResult {
  outcome: DecodeOutcome;
  /** Set when `outcome` is `error`. */
  errorClass?: DecodeErrorClass;
  /** What went wrong (error) or what was cut (salvaged); absent on a clean decode. */
  message?: string;
  /** Bytes handed to `onData`, whatever the outcome. */
  decodedBytes: number;
}

/** 48 MiB: the per-layer decoded-size cap the Go reference and the corpus use. */
export const DEFAULT_MAX_DECODED_BYTES = 48 * 1024 * 1024;
