import type { Diagnostic } from '@tapes/llm';
import { decodeBody, type DecodeBodyOptions } from '../encoding/decode-body';
import { scrubSecretBytes } from '../policy/body-scrubber';
import type { HeaderRecord } from '../policy/redaction';
import { headerValue, type CapturedTurn } from './captured-turn';

/**
 * The opt-in body scrubber applied to a captured turn (#13; off unless the site's
 * TAPES_SCRUB_BODY_SECRETS is on): every known key format in the request and response bodies
 * becomes `[redacted:<n>]` BEFORE reduction, so the stored bytes and the nodes derived from them
 * agree and re-deriving gives the same hashes.
 *
 * A body is only rewritten when a secret was found in it. Then it is stored decoded (its
 * `content-encoding` is dropped with it: the bytes no longer are what the upstream compressed), and
 * the response's chunk timing goes too (its offsets were into the bytes as received). A body whose
 * encoding cannot be undone is kept as it came, and a diagnostic says it was not scrubbed.
 */
export async function scrubTurnBodies(turn: CapturedTurn, decodeOptions: DecodeBodyOptions = {}): Promise<{ turn: CapturedTurn; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const request = await scrubBody('request', turn.requestBody, headerValue(turn.requestHeaders, 'content-encoding'), decodeOptions, diagnostics);
  const response = await scrubBody('response', turn.responseBody, turn.responseContentEncoding, decodeOptions, diagnostics);
  if (!request && !response) return { turn, diagnostics };
  let scrubbed: CapturedTurn = turn;
  if (request) scrubbed = { ...scrubbed, requestBody: request.bytes, requestHeaders: withoutEncoding(turn.requestHeaders, request.decoded) };
  if (response) {
    scrubbed = { ...scrubbed, responseBody: response.bytes, responseHeaders: withoutEncoding(turn.responseHeaders, response.decoded), responseChunks: undefined };
    if (response.decoded) scrubbed = { ...scrubbed, responseContentEncoding: undefined };
  }
  return { turn: scrubbed, diagnostics };
}

/** The scrubbed bytes when a secret was found (`decoded`: the encoding was undone to find it), else undefined. */
async function scrubBody(side: 'request' | 'response', bytes: Uint8Array, encoding: string | undefined, options: DecodeBodyOptions, diagnostics: Diagnostic[]): Promise<{ bytes: Uint8Array; decoded: boolean } | undefined> {
  if (bytes.byteLength === 0) return undefined;
  let plain: Uint8Array = bytes;
  if (encoding) {
    const decoded = await decodeBody(bytes, encoding, options);
    if (decoded.outcome !== 'decoded') {
      diagnostics.push({ code: 'decode_error', detail: `${side} body not scrubbed for secrets: its ${encoding} encoding could not be undone`, data: { side, scrubbed: false } });
      return undefined;
    }
    plain = decoded.body;
  }
  const { bytes: out, found } = scrubSecretBytes(plain);
  if (found === 0) return undefined;
  diagnostics.push({ code: 'secrets_scrubbed', detail: `${found} secret${found === 1 ? '' : 's'} in the ${side} body replaced by [redacted:<n>]`, data: { side, found } });
  return { bytes: out, decoded: plain !== bytes };
}

function withoutEncoding(headers: HeaderRecord, decoded: boolean): HeaderRecord {
  if (!decoded) return headers;
  const out: HeaderRecord = {};
  for (const [name, value] of Object.entries(headers)) if (name !== 'content-encoding') out[name] = value;
  return out;
}
