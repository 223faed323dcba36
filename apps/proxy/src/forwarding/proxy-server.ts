import http, { type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

/** Where proxied exchanges go once the app is up (the ForwardingService). */
export interface ExchangeHandler {
  forward(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * The proxy's HTTP server. Requests under the reserved prefix (`/_tapes/…`: health, metrics, the
 * read API) are Fastify's, so they get Nest's routing, validation, error filter and access logs.
 * Every other request is an exchange and goes straight to the forwarding service, raw: no router,
 * no body parser, no middleware — the Fastify `'*'` route with `reply.hijack()` (stack-notes §4)
 * did the same job but cost ~35% more CPU per exchange (tools/bench/proxy.bench.ts), and the
 * proxy's latency budget is a fraction of a millisecond.
 *
 * Until the app has finished starting, `handler()` is undefined and everything goes to Fastify
 * (the server does not listen before then anyway).
 */
export function createProxyServer(fastifyHandler: RequestListener, internalPrefix: string, handler: () => ExchangeHandler | undefined, limits: { maxConnections: number }): http.Server {
  const internal = `/${internalPrefix}`;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const exchanges = handler();
    if (exchanges && !(url.startsWith(internal) && (url.length === internal.length || url[internal.length] === '/' || url[internal.length] === '?'))) {
      exchanges.forward(req, res);
    } else {
      fastifyHandler(req, res);
    }
  });
  // Node's default 5-minute request timeout would cut a slow upload; the upstream leg's idle
  // timeouts are the proxy's only timers. Agents keep connections open between turns.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 72_000;
  // A cap on open client connections (TAPES_MAX_CONNECTIONS, #13): one more is closed at accept
  // (the server's 'drop' event, counted), so idle or trickling clients cannot exhaust the
  // process's file descriptors. A trickled request body is cut by the forwarding service.
  server.maxConnections = limits.maxConnections;
  return server;
}
