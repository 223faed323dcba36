import { corpusDigest, loadCorpus, recordedCorpusDigest, type CorpusFile } from '@tapes/testing';

export { corpusDigest };

/**
 * Test support for the shared content-encoding corpus (`fixtures/content-encoding/`): the case
 * schema of its README, loading, and its DIGEST seal. Only specs import this folder.
 */

export type Plaintext = { utf8: string } | { repeat_utf8: { text: string; count: number } } | { repeat_byte: { byte: number; count: number } };

export type Truncation = { drop_tail_bytes: number } | { keep_head_bytes: number } | { keep_head_ratio: [number, number] };

export interface BodyRecipe {
  plaintext: Plaintext;
  /** Codings applied left to right, in header order. */
  layers: string[];
  members?: number;
  truncate?: Truncation;
}

export type CaseBody = { bytes_b64: string } | { build: BodyRecipe };

export type DecodedExpectation = { equals_plaintext: true } | { bytes_b64: string } | { nonempty_prefix_of_plaintext: true };

export type CaseExpectation =
  | { outcome: 'decoded' | 'salvaged'; decoded: DecodedExpectation }
  | { outcome: 'error'; error: { class: 'unsupported' | 'oversize' | 'undecodable'; message_contains?: string[]; detail?: string } };

export interface CorpusCase {
  name: string;
  category: 'identity' | 'supported' | 'stacked' | 'salvage' | 'limit' | 'error';
  description: string;
  /** The header verbatim; null = absent, "" = present and empty. */
  encoding: string | null;
  body: CaseBody;
  expect: CaseExpectation;
  grounding: string;
}

export type LoadedCase = CorpusFile<CorpusCase>;

/** Every `cases/*.json`, sorted by base name (the DIGEST order). */
export function loadCorpusCases(): LoadedCase[] {
  return loadCorpus<CorpusCase>('content-encoding');
}

export function recordedDigest(): string {
  return recordedCorpusDigest('content-encoding');
}
