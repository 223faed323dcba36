import { ANTHROPIC_FIXTURES, pieces, readFixture, send, type UpstreamHandler, writeInPieces } from '@tapes/testing';
import type { AppProcess } from './app-process';
import { type EnvoyClient, envoySequence } from '@tapes/testing/envoy';

/**
 * The turns of the fault suite: a streamed Anthropic turn (SSE) whose prompt carries the turn's
 * marker, so every turn is distinct content (its own nodes, its own request bytes) and can be
 * found in the database whatever id the capture site gave it.
 */
const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_stream');
if (!fixture) throw new Error('fixture anthropic/messages_stream is missing');

const baseRequest = fixture.request;
export const FAULT_PATH = fixture.path;
export const FAULT_CONTENT_TYPE = fixture.contentType;
export const FAULT_RESPONSE = readFixture(fixture.responseFile);
export const FAULT_AGENT = 'e2e-fault';

export function faultRequest(marker: string): Buffer {
  return Buffer.from(JSON.stringify({ ...baseRequest, messages: [{ role: 'user', content: `${marker} Say hello.` }] }), 'utf8');
}

/** The upstream's answer to every fault turn: the SSE fixture, in a few writes. */
export const serveFaultTurn: UpstreamHandler = async (_req, res) => {
  res.writeHead(200, { 'content-type': FAULT_CONTENT_TYPE });
  await writeInPieces(res, pieces(FAULT_RESPONSE, 5));
};

/** One turn through the proxy, as an agent sends it; throws unless the agent got the upstream's exact answer. */
export async function turnThroughProxy(proxy: AppProcess, marker: string): Promise<void> {
  const res = await send(`${proxy.url}${FAULT_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-e2e', 'anthropic-version': '2023-06-01', 'x-tapes-agent-name': FAULT_AGENT },
    body: faultRequest(marker),
  });
  if (res.status !== 200 || res.error || !res.body.equals(FAULT_RESPONSE)) {
    throw new Error(`the agent got ${res.status} with ${res.body.length} of ${FAULT_RESPONSE.length} bytes${res.error ? ` (${res.error.message})` : ''}`);
  }
}

/** One turn through the sidecar, as Envoy reports it in normal mode (each message waits for its CONTINUE). */
export async function turnThroughSidecar(envoy: EnvoyClient, marker: string, requestId: string): Promise<void> {
  await envoy.play(
    envoySequence(
      {
        path: FAULT_PATH,
        requestHeaders: { 'content-type': 'application/json', 'x-request-id': requestId, 'x-tapes-agent-name': FAULT_AGENT, 'x-api-key': 'sk-ant-e2e' },
        requestChunks: pieces(faultRequest(marker), 2),
        status: 200,
        responseHeaders: { 'content-type': FAULT_CONTENT_TYPE },
        responseChunks: pieces(FAULT_RESPONSE, 5),
      },
    ),
  );
}
