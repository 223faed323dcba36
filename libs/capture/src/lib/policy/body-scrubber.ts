import { findSecrets } from './secret-shapes';
import { redactedMarker } from './redaction';

/**
 * Opt-in scrubbing of secrets inside bodies: every known key format (`SECRET_SHAPES`) in prompts
 * and tool output becomes `[redacted:<n>]`, and `found` says how many were replaced.
 *
 * OFF by default because it changes content hashes: nodes hash message text, so a scrubbed turn no
 * longer deduplicates against the same conversation captured unscrubbed, and two sites (or two
 * settings) stop agreeing on its hashes. We recommend that the caller scrub the decoded raw request
 * and response bytes BEFORE reduction ({@link scrubSecretBytes}) and store those bytes, so that the
 * stored bytes and the nodes derived from them agree and a re-reduction gives the same hashes;
 * scrubbing nodes alone would leave the key in the stored raw bytes.
 *
 * Markers contain no quote or backslash, so scrubbed JSON stays valid JSON; a marker is never
 * scrubbed again, so scrubbing is idempotent.
 */
export function scrubSecrets(text: string): { text: string; found: number } {
  const spans = findSecrets(text);
  if (spans.length === 0) return { text, found: 0 };
  let out = '';
  let at = 0;
  for (const { start, end } of spans) {
    out += text.slice(at, start) + redactedMarker(text.slice(start, end));
    at = end;
  }
  return { text: out + text.slice(at), found: spans.length };
}

/**
 * {@link scrubSecrets} over decoded (not content-encoded) body bytes. The bytes are read as latin1,
 * one character per byte, so invalid UTF-8 survives untouched; the shapes are ASCII, so a marker's
 * length is the secret's length in bytes. Returns the input itself when nothing was found.
 */
export function scrubSecretBytes(bytes: Uint8Array): { bytes: Uint8Array; found: number } {
  const { text, found } = scrubSecrets(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  return found === 0 ? { bytes, found } : { bytes: new Uint8Array(Buffer.from(text, 'latin1')), found };
}
