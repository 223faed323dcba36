import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { isTapesHeader } from '@tapes/capture';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, formerly RFC 7230 §6.1) describe one connection, not the
 * message: a proxy must not forward them, nor any header the `Connection` header lists.
 * `Proxy-*` headers are addressed to this proxy (`Proxy-Authorization`) or come from an upstream
 * proxy; neither is the other side's business.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Request headers the proxy owns on the upstream leg: `Host` names the upstream (undici sets it
 * from the origin) and `Expect: 100-continue` is answered by this server already (undici refuses to
 * send it). `X-Tapes-*` headers (the agent name, the session envelope) are addressed to tapes: they
 * are captured, never sent on.
 */
const REQUEST_ONLY = new Set(['host', 'expect']);

function isHopByHop(lowerName: string, listed: ReadonlySet<string> | undefined): boolean {
  return HOP_BY_HOP.has(lowerName) || lowerName.startsWith('proxy-') || (listed !== undefined && listed.has(lowerName));
}

/** The header names a `Connection` value lists (`Connection: keep-alive, X-Foo`), lower-cased. */
function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const tokens = new Set<string>();
  for (const part of Array.isArray(value) ? value : [value]) {
    for (const token of part.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) tokens.add(name);
    }
  }
  return tokens;
}

/**
 * The client's headers for the upstream, from Node's `rawHeaders` (name, value, name, value…): a
 * header sent twice is forwarded twice, names keep their case, order is kept. `Accept-Encoding` is
 * forwarded as the client sent it, so compressed bodies come back compressed and are relayed as
 * they are.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], connection: string | string[] | undefined): string[] {
  const listed = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (REQUEST_ONLY.has(lower) || isTapesHeader(lower) || isHopByHop(lower, listed)) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/**
 * The upstream's headers for the client. undici gives multi-value headers as arrays, and Node
 * writes an array as one header line per value, so `Set-Cookie` stays separate (tapes Go joined
 * them with ", ", which breaks cookies; ref §5.6).
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const listed = connectionTokens(headers['connection']);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isHopByHop(name, listed)) continue;
    out[name] = value;
  }
  return out;
}
