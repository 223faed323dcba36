#!/usr/bin/env node
// A mock LLM provider for docker/compose.yaml: answers each call by replaying a response recorded in
// the repository's fixtures/ byte for byte, streamed in pieces like a provider does, so the whole
// cloud path (Envoy -> sidecar -> ingest -> PostgreSQL) can be tried on one machine with no API key
// and no internet. Plain Node 20, no dependencies.
//
//   POST /v1/messages          Anthropic      stream: anthropic/messages_stream.sse     else anthropic/messages_oneshot.json
//   POST /v1/chat/completions  OpenAI chat    stream: openai_chat/text_stream.sse       else openai_chat/text_oneshot.json
//   POST /v1/responses         OpenAI resp.   stream: openai_responses/stream.sse       else openai_responses/oneshot.json
//   POST /api/chat             Ollama         stream (the default): ollama/chat_stream.ndjson, "stream": false: ollama/chat_oneshot.json
//   GET  /health               200
// A request header `x-mock-fixture: <path under fixtures/>` picks another recorded response.
//
// Env: PORT (default 8080; 0 = any free port), FIXTURES_DIR (default: the repository's fixtures/,
// /fixtures in the compose stack), MOCK_CHUNK_DELAY_MS (pause between streamed pieces, default 20).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturesDir = path.resolve(process.env.FIXTURES_DIR || path.join(here, '..', '..', 'fixtures'));
const port = Number(process.env.PORT ?? 8080);
const chunkDelayMs = Number(process.env.MOCK_CHUNK_DELAY_MS ?? 20);

const ROUTES = {
  '/v1/messages': { stream: 'anthropic/messages_stream.sse', oneshot: 'anthropic/messages_oneshot.json', streamByDefault: false },
  '/v1/chat/completions': { stream: 'openai_chat/text_stream.sse', oneshot: 'openai_chat/text_oneshot.json', streamByDefault: false },
  '/v1/responses': { stream: 'openai_responses/stream.sse', oneshot: 'openai_responses/oneshot.json', streamByDefault: false },
  '/api/chat': { stream: 'ollama/chat_stream.ndjson', oneshot: 'ollama/chat_oneshot.json', streamByDefault: true },
};

function contentType(file) {
  if (file.endsWith('.sse')) return 'text/event-stream';
  if (file.endsWith('.ndjson')) return 'application/x-ndjson';
  return 'application/json';
}

/** Pieces as a provider sends them: SSE events, NDJSON lines, a JSON body in one piece. */
function pieces(bytes, file) {
  const separator = file.endsWith('.sse') ? '\n\n' : file.endsWith('.ndjson') ? '\n' : null;
  if (!separator) return [bytes];
  const out = [];
  let start = 0;
  for (let at = bytes.indexOf(separator); at !== -1; at = bytes.indexOf(separator, start)) {
    out.push(bytes.subarray(start, at + separator.length));
    start = at + separator.length;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://mock');
  if (req.method === 'GET' && url.pathname === '/health') return answer(res, 200, { status: 'ok' });
  const route = ROUTES[url.pathname];
  if (req.method !== 'POST' || !route) return answer(res, 404, { error: { type: 'not_found', message: `mock upstream: no route ${req.method} ${url.pathname}` } });
  let request = {};
  try {
    request = JSON.parse((await readBody(req)) || '{}');
  } catch {
    return answer(res, 400, { error: { type: 'invalid_request_error', message: 'mock upstream: the body is not JSON' } });
  }
  const stream = typeof request.stream === 'boolean' ? request.stream : route.streamByDefault;
  const chosen = req.headers['x-mock-fixture'] ? String(req.headers['x-mock-fixture']) : stream ? route.stream : route.oneshot;
  const file = path.resolve(fixturesDir, chosen);
  if (!file.startsWith(fixturesDir + path.sep)) return answer(res, 400, { error: { type: 'invalid_request_error', message: 'mock upstream: x-mock-fixture must name a file under fixtures/' } });
  let bytes;
  try {
    bytes = await readFile(file);
  } catch {
    return answer(res, 404, { error: { type: 'not_found', message: `mock upstream: no fixture ${chosen}` } });
  }
  res.writeHead(200, { 'content-type': contentType(file), 'x-mock-fixture': chosen });
  const parts = pieces(bytes, file);
  for (const [i, part] of parts.entries()) {
    if (i > 0 && chunkDelayMs > 0) await sleep(chunkDelayMs);
    if (!res.write(part)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) answer(res, 500, { error: { type: 'mock_error', message: String(err) } });
    else res.destroy(err);
  });
});
server.listen(port, '0.0.0.0', () => {
  console.log(`mock upstream listening on ${server.address().port}, replaying ${fixturesDir}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
