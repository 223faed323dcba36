import { bodyFrames, decodeBody, FramedReducer, headerValue, parseRequestBody, selectReducer, type Reducer } from '@tapes/capture';
import type { StoredTurn } from '@tapes/storage';
import type { z } from 'zod';
import type { turnDecodedSchema } from './api-schemas';

export type TurnDecodedJson = z.output<typeof turnDecodedSchema>;

/**
 * A stored turn made readable on the server (#15, the viewer's Turn page), with the capture
 * library's own pieces so the browser re-implements nothing: the request read by the turn's API
 * parser (for the system prompt and settings, which are not DAG nodes), and the response body with
 * its content encoding undone (decodeBody) and split into frames by the reducers' framing
 * (bodyFrames) — a stream as its event list, a one-shot body as its document.
 */
export async function decodeTurn(turn: StoredTurn, reducers: readonly Reducer[]): Promise<TurnDecodedJson> {
  const reducer = selectReducer(reducers, { api: turn.api, path: turn.path, provider: turn.provider });
  const stored = turn.responseBody ?? new Uint8Array();
  const decoded = await decodeBody(stored, turn.responseContentEncoding);
  const framed = bodyFrames(decoded.body, { contentType: turn.responseContentType, ambiguousJson: reducer instanceof FramedReducer ? reducer.ambiguousJson : 'json' });
  return {
    turn_id: turn.id,
    request: await readRequest(turn, reducer),
    response: {
      content_type: turn.responseContentType ?? null,
      content_encoding: turn.responseContentEncoding ?? null,
      stored_bytes: stored.byteLength,
      decoded_bytes: decoded.body.byteLength,
      decode: { outcome: decoded.outcome, ...(decoded.message ? { message: decoded.message } : {}) },
      format: framed.format,
      frames: framed.frames,
      total_frames: framed.total,
      diagnostics: framed.diagnostics.map((d) => ({ code: d.code, detail: d.detail })),
    },
  };
}

async function readRequest(turn: StoredTurn, reducer: Reducer | undefined): Promise<TurnDecodedJson['request']> {
  const empty = { model: turn.model, system: null, settings: {}, messages: 0 };
  if (!reducer) return { ...empty, error: `no reducer in this build reads ${turn.api ?? turn.path ?? turn.provider}` };
  if (!turn.requestBody || turn.requestBody.byteLength === 0) return { ...empty, error: 'no request body was stored' };
  // Codex and pi may send their request zstd-encoded: stored as sent, read as the capture read it.
  const encoding = turn.requestHeaders ? headerValue(turn.requestHeaders, 'content-encoding') : undefined;
  const decoded = await decodeBody(turn.requestBody, encoding);
  if (decoded.outcome === 'error') return { ...empty, error: `the request's content encoding (${encoding}) could not be undone: ${decoded.message ?? decoded.errorClass}` };
  try {
    const request = parseRequestBody(reducer, decoded.body, { path: turn.path });
    const { model, messages, system, extra, ...settings } = request;
    return { model: model || turn.model, system: system ?? null, settings: { ...settings, ...(extra ?? {}) }, messages: messages.length };
  } catch (err) {
    return { ...empty, error: err instanceof Error ? err.message : String(err) };
  }
}
