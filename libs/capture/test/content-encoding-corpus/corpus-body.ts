import zlib from 'node:zlib';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import type { BodyRecipe, CaseBody, Plaintext, Truncation } from './corpus-case';

/** zstd-wasm must load its wasm module once before `compress` works. */
export async function initCorpusCompressors(): Promise<void> {
  await zstdInit();
}

export function plaintextBytes(plaintext: Plaintext): Buffer {
  if ('utf8' in plaintext) return Buffer.from(plaintext.utf8, 'utf8');
  if ('repeat_utf8' in plaintext) return Buffer.from(plaintext.repeat_utf8.text.repeat(plaintext.repeat_utf8.count), 'utf8');
  return Buffer.alloc(plaintext.repeat_byte.count, plaintext.repeat_byte.byte);
}

/** Encoders for the codings a recipe may name (gzip and zstd in the corpus; the rest for our own tests). */
export const ENCODERS: Readonly<Record<string, (bytes: Buffer) => Buffer>> = {
  gzip: (b) => zlib.gzipSync(b),
  zstd: (b) => Buffer.from(zstdCompress(b, 3)),
  deflate: (b) => zlib.deflateSync(b),
  br: (b) => zlib.brotliCompressSync(b),
};

export function encode(bytes: Buffer, layers: readonly string[]): Buffer {
  return layers.reduce((body, coding) => {
    const encoder = ENCODERS[coding];
    if (!encoder) throw new Error(`no encoder for recipe layer "${coding}"`);
    return encoder(body);
  }, bytes);
}

/**
 * A recipe's body: the plaintext split into `members` near-equal chunks (remainder on the last),
 * each run through `layers` on its own, concatenated, then truncated (README "body.build").
 */
export function buildBody(recipe: BodyRecipe): Buffer {
  const plain = plaintextBytes(recipe.plaintext);
  const members = recipe.members ?? 1;
  const size = Math.floor(plain.length / members);
  const parts: Buffer[] = [];
  for (let i = 0; i < members; i++) {
    const chunk = plain.subarray(i * size, i === members - 1 ? plain.length : (i + 1) * size);
    parts.push(encode(chunk, recipe.layers));
  }
  const encoded = Buffer.concat(parts);
  return recipe.truncate ? truncate(encoded, recipe.truncate) : encoded;
}

function truncate(encoded: Buffer, how: Truncation): Buffer {
  if ('drop_tail_bytes' in how) return encoded.subarray(0, Math.max(0, encoded.length - how.drop_tail_bytes));
  if ('keep_head_bytes' in how) return encoded.subarray(0, how.keep_head_bytes);
  const [num, den] = how.keep_head_ratio;
  return encoded.subarray(0, Math.floor((encoded.length * num) / den));
}

export function caseBody(body: CaseBody): Buffer {
  return 'bytes_b64' in body ? Buffer.from(body.bytes_b64, 'base64') : buildBody(body.build);
}
