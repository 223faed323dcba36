import { STATUS_CODES } from 'node:http';
import { TextDecoder } from 'node:util';
import { decodeBody, isProvider, providerSpec } from '@tapes/capture';
import type { ExportHeaders, ExportSession, ExportTurn } from '../export-input';
import type { Har, HarEntry, HarHeader } from './har-types';

export interface HarOptions {
  /** `log.creator.version`. */
  version: string;
}

/**
 * Sessions as one HAR 1.2 log (http://www.softwareishard.com/blog/har-12-spec/), for HTTP tools:
 * one page per session, one entry per turn with the exchange as captured — method, URL, headers
 * and body of the request, status, headers and body of the response — and timings from when the
 * request started, the first response byte and the end.
 *
 * - The URL is the upstream's: the stored path (credentials in its query already redacted) on the
 *   host the request named when the capture site saw one (`:authority`, Envoy's sidecar), else the
 *   provider's default upstream (the proxy's own Host header names the proxy, not the provider).
 * - Headers are as stored: credentials are `[redacted:<n>]`.
 * - The response `content.text` is decoded (gzip, br, zstd undone; `content.compression` says how
 *   many bytes that saved, `content.comment` names the coding); a body that is not UTF-8 text is
 *   base64 with `content.encoding: "base64"`.
 * - `timings.wait` is the time to first byte, `timings.receive` the rest; what was not measured
 *   (DNS, connect, TLS, send) is -1 or 0 as the format asks.
 * - Each entry carries `_tapes` (turn and session ids, outcome, model): custom fields start with `_`.
 */
export async function harLog(sessions: readonly ExportSession[], options: HarOptions): Promise<Har> {
  const entries: HarEntry[] = [];
  for (const { session, turns } of sessions) for (const turn of turns) entries.push(await harEntry(turn, session.id));
  return {
    log: {
      version: '1.2',
      creator: { name: 'tapes', version: options.version },
      pages: sessions.map(({ session }) => ({
        startedDateTime: session.started_at,
        id: session.id,
        title: session.name ?? `${session.harness.id ?? 'agent'} session ${session.id}`,
        pageTimings: { onContentLoad: -1, onLoad: -1 },
      })),
      entries,
    },
  };
}

async function harEntry(turn: ExportTurn, pageId: string): Promise<HarEntry> {
  const started = time(turn.started_at) ?? time(turn.ended_at) ?? 0;
  const ended = Math.max(started, time(turn.ended_at) ?? started);
  const firstByte = Math.min(ended, Math.max(started, time(turn.first_byte_at) ?? ended));
  const requestHeaders = harHeaders(turn.request_headers);
  const responseHeaders = harHeaders(turn.response_headers);
  const url = upstreamUrl(turn);
  const requestBytes = base64(turn.raw?.request_body_base64);
  const responseBytes = base64(turn.raw?.response_body_base64);
  const requestText = await bodyText(requestBytes, header(turn.request_headers, 'content-encoding'));
  const responseText = await bodyText(responseBytes, turn.response_content_encoding);
  const pseudo = requestHeaders.some((h) => h.name.startsWith(':'));
  const httpVersion = pseudo ? 'HTTP/2' : 'HTTP/1.1';
  const status = turn.status ?? 0;
  return {
    pageref: pageId,
    startedDateTime: new Date(started).toISOString(),
    time: ended - started,
    request: {
      method: turn.method ?? 'POST',
      url: url.toString(),
      httpVersion,
      cookies: [],
      headers: requestHeaders,
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(requestBytes
        ? {
            postData: {
              mimeType: header(turn.request_headers, 'content-type') ?? 'application/json',
              text: requestText.text,
              ...(requestText.comment ? { comment: requestText.comment } : {}),
            },
          }
        : {}),
      headersSize: -1,
      bodySize: requestBytes?.byteLength ?? 0,
    },
    response: {
      status,
      statusText: STATUS_CODES[status] ?? '',
      httpVersion,
      cookies: [],
      headers: responseHeaders,
      content: {
        size: requestOrResponseSize(responseText, responseBytes),
        ...(responseBytes && responseText.decodedBytes !== undefined && turn.response_content_encoding ? { compression: responseText.decodedBytes - responseBytes.byteLength } : {}),
        mimeType: turn.response_content_type ?? 'application/octet-stream',
        ...(responseBytes ? { text: responseText.text } : {}),
        ...(responseText.base64 ? { encoding: 'base64' } : {}),
        ...(responseText.comment ? { comment: responseText.comment } : {}),
      },
      redirectURL: '',
      headersSize: -1,
      bodySize: responseBytes?.byteLength ?? -1,
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: firstByte - started, receive: ended - firstByte },
    _tapes: {
      turn_id: turn.id,
      request_id: turn.request_id,
      session_id: turn.session_id,
      thread_id: turn.thread_id,
      outcome: turn.outcome,
      model: turn.model,
      capture_site: turn.capture_site,
    },
  };
}

function requestOrResponseSize(text: BodyText, bytes: Buffer | undefined): number {
  return text.decodedBytes ?? bytes?.byteLength ?? 0;
}

/** The upstream URL the turn went to (see {@link harLog}). */
function upstreamUrl(turn: ExportTurn): URL {
  const path = turn.path ?? '/';
  const authority = header(turn.request_headers, ':authority');
  const scheme = header(turn.request_headers, ':scheme') ?? 'https';
  const base = authority ? `${scheme}://${authority}` : (isProvider(turn.provider) ? providerSpec(turn.provider).defaultUpstream : `https://${turn.provider}.invalid`);
  try {
    return new URL(path, base);
  } catch {
    return new URL(`/${encodeURIComponent(path)}`, base);
  }
}

interface BodyText {
  text: string;
  base64: boolean;
  /** Bytes after undoing the content coding (undefined when it could not be undone). */
  decodedBytes?: number;
  comment?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A body as HAR text: decoded from its content coding, UTF-8 text or else base64. */
async function bodyText(bytes: Buffer | undefined, coding: string | null | undefined): Promise<BodyText> {
  if (!bytes || bytes.byteLength === 0) return { text: '', base64: false, decodedBytes: 0 };
  const decoded = coding ? await decodeBody(bytes, coding) : { outcome: 'decoded' as const, body: bytes };
  if (decoded.outcome === 'error') {
    return { text: bytes.toString('base64'), base64: true, comment: `the ${coding} coding could not be undone; the bytes as received` };
  }
  const note = coding ? `decoded from ${coding}${decoded.outcome === 'salvaged' ? ' (salvaged: the stream was cut)' : ''}` : undefined;
  try {
    return { text: utf8.decode(decoded.body), base64: false, decodedBytes: decoded.body.byteLength, ...(note ? { comment: note } : {}) };
  } catch {
    return { text: decoded.body.toString('base64'), base64: true, decodedBytes: decoded.body.byteLength, ...(note ? { comment: note } : {}) };
  }
}

function harHeaders(headers: ExportHeaders | null): HarHeader[] {
  if (!headers) return [];
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v })));
}

function header(headers: ExportHeaders | null, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function base64(text: string | null | undefined): Buffer | undefined {
  return text === null || text === undefined ? undefined : Buffer.from(text, 'base64');
}

function time(iso: string | null): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}
