import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fixturePath } from './fixtures';

/**
 * A vendored L0 corpus of the public tapes project (`fixtures/<family>/`: README, `DIGEST`,
 * `cases/*.json`). The DIGEST seals the case set so a copy that drifts from its origin fails
 * loudly instead of testing different bytes while staying green.
 */
export interface CorpusFile<T = unknown> {
  /** Base name in `cases/`, e.g. `claude-full.json`. */
  file: string;
  bytes: Buffer;
  case: T;
}

/** Every `cases/*.json` of a family, sorted by base name (the DIGEST order), parsed. */
export function loadCorpus<T = unknown>(family: string): CorpusFile<T>[] {
  const dir = fixturePath(path.join(family, 'cases'));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const bytes = readFileSync(path.join(dir, file));
      return { file, bytes, case: JSON.parse(bytes.toString('utf8')) as T };
    });
}

/**
 * The corpus digest as its README defines it: for each case file, sorted by base name, feed
 * `"<basename>  <sha256-hex-of-file-bytes>\n"` into SHA-256; the digest is `"sha256:" + hex`.
 * Raw bytes, names included, so an edit, an addition, a deletion and a rename all show.
 */
export function corpusDigest(files: readonly Pick<CorpusFile, 'file' | 'bytes'>[]): string {
  const seal = createHash('sha256');
  for (const { file, bytes } of [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    seal.update(`${file}  ${createHash('sha256').update(bytes).digest('hex')}\n`);
  }
  return `sha256:${seal.digest('hex')}`;
}

/** The family's recorded `DIGEST` line. */
export function recordedCorpusDigest(family: string): string {
  return readFileSync(fixturePath(path.join(family, 'DIGEST')), 'utf8').trim();
}
