/** How a response body is framed. */
export type BodyFormat = 'sse' | 'ndjson' | 'json';

const SSE_START = /^(?::|(?:event|data|id|retry)[ \t]*:)/;
/** How many leading characters sniffing may need to see before it can decide. */
export const SNIFF_WINDOW = 8;

/**
 * Decides a body's framing from its first non-whitespace characters, using the content type only
 * to break ties: the ChatGPT Codex backend sends SSE without a content type, and an error page or
 * JSON error body can arrive under `text/event-stream`. Returns undefined while `head` is too
 * short to tell and more may come (`final` false).
 *
 * @param head the body's leading text with leading whitespace and BOM already removed
 * @param ambiguousJson framing for a `{`-body without a telling content type: NDJSON for APIs
 *   that stream NDJSON (Ollama), JSON otherwise
 */
export function sniffBodyFormat(head: string, contentType: string | undefined, ambiguousJson: BodyFormat, final: boolean): BodyFormat | undefined {
  const type = (contentType ?? '').toLowerCase();
  const first = head[0];
  if (first === '{' || first === '[') {
    if (type.includes('ndjson') || type.includes('jsonl')) return 'ndjson';
    if (type.includes('json')) return 'json';
    return ambiguousJson;
  }
  if (SSE_START.test(head)) return 'sse';
  if (!final && head.length < SNIFF_WINDOW && /^[a-z]*$/.test(head)) return undefined;
  // Not JSON and not SSE (HTML error page, binary, plain text): the JSON path reports it.
  if (head.length === 0 && type.includes('event-stream')) return 'sse';
  return 'json';
}
