import type { PendingTurn } from './pending-turn';

/**
 * The spool payload of one pending turn: `u32 BE` length of a JSON document holding every field
 * but the two bodies, the JSON, then the request body and the response body as raw bytes. The
 * bodies can be megabytes of binary (compressed responses); base64 inside the JSON would cost a
 * third more disk and a copy on both sides. The spool record itself carries the checksum.
 */
const VERSION = 2;

interface SpooledHeader extends Omit<PendingTurn, 'requestBody' | 'responseBody' | 'startedAt' | 'firstByteAt' | 'endedAt'> {
  v: number;
  requestBodyBytes: number;
  startedAt: string;
  firstByteAt: string | null;
  endedAt: string;
}

export class SpooledTurnError extends Error {
  override readonly name = 'SpooledTurnError';
}

export function encodeSpooledTurn(turn: PendingTurn): Buffer {
  const { requestBody, responseBody, startedAt, firstByteAt, endedAt, ...rest } = turn;
  const header: SpooledHeader = {
    ...rest,
    v: VERSION,
    requestBodyBytes: requestBody.byteLength,
    startedAt: startedAt.toISOString(),
    firstByteAt: firstByteAt ? firstByteAt.toISOString() : null,
    endedAt: endedAt.toISOString(),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.byteLength, 0);
  return Buffer.concat([length, json, requestBody, responseBody]);
}

export function decodeSpooledTurn(payload: Buffer): PendingTurn {
  if (payload.byteLength < 4) throw new SpooledTurnError('spooled turn is shorter than its length prefix');
  const jsonBytes = payload.readUInt32BE(0);
  if (4 + jsonBytes > payload.byteLength) throw new SpooledTurnError('spooled turn is shorter than its header');
  let header: SpooledHeader;
  try {
    header = JSON.parse(payload.subarray(4, 4 + jsonBytes).toString('utf8')) as SpooledHeader;
  } catch (err) {
    throw new SpooledTurnError(`spooled turn header is not JSON: ${(err as Error).message}`);
  }
  if (header.v !== VERSION) throw new SpooledTurnError(`spooled turn has version ${String(header.v)}, this proxy reads ${VERSION}`);
  const bodies = payload.subarray(4 + jsonBytes);
  if (header.requestBodyBytes > bodies.byteLength) throw new SpooledTurnError('spooled turn is shorter than its request body');
  const { v: _v, requestBodyBytes, startedAt, firstByteAt, endedAt, ...rest } = header;
  return {
    ...rest,
    // JSON has no undefined: optional strings that were absent come back absent, not null.
    agentName: rest.agentName ?? undefined,
    project: rest.project ?? undefined,
    responseContentType: rest.responseContentType ?? undefined,
    responseContentEncoding: rest.responseContentEncoding ?? undefined,
    requestBody: Buffer.from(bodies.subarray(0, requestBodyBytes)),
    responseBody: Buffer.from(bodies.subarray(requestBodyBytes)),
    startedAt: new Date(startedAt),
    firstByteAt: firstByteAt === null ? undefined : new Date(firstByteAt),
    endedAt: new Date(endedAt),
  };
}
