/**
 * The proxy benchmark's "bare Node" baseline (issue #17): the least a Node reverse proxy does —
 * core `http` with a keep-alive pool to the upstream and `pipe` both ways, no capture, no
 * framework. tools/bench/proxy.bench.ts bundles this file to plain JavaScript and runs it as its
 * own process (no TypeScript loader in it, so its memory is Node's and this file's alone).
 *
 *   node minimal-node-proxy.js <upstream origin>   → prints `listening <port>`
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

function serve(upstream: URL): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const server = http.createServer((req, res) => {
    const outgoing = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    outgoing.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

serve(new URL(process.argv[2] ?? 'http://127.0.0.1:1'));
