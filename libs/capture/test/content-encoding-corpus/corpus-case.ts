import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturePath } from '@tapes/testing';

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

export interface LoadedCase {
  file: string;
  bytes: Buffer;
  case: CorpusCase;
}

export function corpusDir(): string {
  return fixturePath('content-encoding');
}

/** Every `cases/*.json`, sorted by base name (the DIGEST order). */
export function loadCorpusCases(): LoadedCase[] {
  const dir = path.join(corpusDir(), 'cases');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(path.join(dir, file));
      return { file, bytes, case: JSON.parse(bytes.toString('utf8')) as CorpusCase };
    });
}

/**
 * The README's sealing rule: for each case sorted by base name, feed
 * `"<basename>  <sha256-hex-of-file-bytes>\n"` into SHA-256; the digest is `"sha256:" + hex`.
 */
export function corpusDigest(cases: readonly LoadedCase[]): string {
  const seal = createHash('sha256');
  for (const { file, bytes } of cases) seal.update(`${file}  ${createHash('sha256').update(bytes).digest('hex')}\n`);
  return `sha256:${seal.digest('hex')}`;
}

export function recordedDigest(): string {
  return readFileSync(path.join(corpusDir(), 'DIGEST'), 'utf8').trim();
}
