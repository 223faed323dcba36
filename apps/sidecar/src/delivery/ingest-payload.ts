import type { CapturedTurn } from '../exchange/captured-turn';

/**
 * The body of `POST /v1/ingest` for a raw turn (apps/ingest's envelope, design §6): both bodies
 * base64-encoded exactly as captured, so ingest reduces the very bytes the provider sent.
 */
export function encodeIngestPayload(turn: CapturedTurn): Buffer {
  const envelope = {
    provider: turn.provider,
    path: turn.path,
    ...(turn.agentName ? { agent_name: turn.agentName } : {}),
    request_id: turn.requestId,
    capture_site: 'sidecar',
    request_body_base64: turn.requestBody.toString('base64'),
    response_body_base64: turn.responseBody.toString('base64'),
    ...(turn.responseContentType ? { response_content_type: turn.responseContentType } : {}),
    ...(turn.responseContentEncoding ? { response_content_encoding: turn.responseContentEncoding } : {}),
    request_headers: turn.requestHeaders,
    response_headers: turn.responseHeaders,
    status: turn.status,
    ...(turn.interrupted ? { interrupted: turn.interrupted } : {}),
    started_at: turn.startedAt.toISOString(),
    ...(turn.firstByteAt ? { first_byte_at: turn.firstByteAt.toISOString() } : {}),
    ended_at: turn.endedAt.toISOString(),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}
