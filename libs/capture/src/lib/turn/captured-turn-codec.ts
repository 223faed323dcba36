import type { CapturedTurn } from './captured-turn';

/**
 * The on-disk form of a {@link CapturedTurn} (journal and spool records): `u32 BE` length of a
 * JSON document holding every field but the two bodies, the JSON, then the request body and the
 * response body as raw bytes. Bodies can be megabytes of binary (compressed responses); base64
 * inside the JSON would cost a third more disk and a copy both ways. Integrity is the journal's
 * business (each record carries a checksum).
 *
 * Optional fields are added without a version bump, so records written before a field existed
 * still decode (a journal survives an upgrade): `responseChunks` (#16) is one; a record without it
 * decodes to a turn without it (the spec keeps a record written before #16, byte for byte).
 */
const VERSION = 3;

interface Header extends Omit<CapturedTurn, 'requestBody' | 'responseBody' | 'startedAt' | 'firstByteAt' | 'endedAt'> {
  v: number;
  requestBodyBytes: number;
  startedAt: string;
  firstByteAt: string | null;
  endedAt: string;
}

export class CapturedTurnCodecError extends Error {
  override readonly name = 'CapturedTurnCodecError';
}

export function encodeCapturedTurn(turn: CapturedTurn): Buffer {
  const { requestBody, responseBody, startedAt, firstByteAt, endedAt, ...rest } = turn;
  const header: Header = {
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

/** Throws {@link CapturedTurnCodecError} for bytes this version did not write. */
export function decodeCapturedTurn(payload: Uint8Array): CapturedTurn {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.byteLength < 4) throw new CapturedTurnCodecError('captured turn is shorter than its length prefix');
  const jsonBytes = bytes.readUInt32BE(0);
  if (4 + jsonBytes > bytes.byteLength) throw new CapturedTurnCodecError('captured turn is shorter than its header');
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + jsonBytes).toString('utf8')) as Header;
  } catch (err) {
    throw new CapturedTurnCodecError(`captured turn header is not JSON: ${(err as Error).message}`);
  }
  if (header.v !== VERSION) throw new CapturedTurnCodecError(`captured turn has version ${String(header.v)}, this build reads ${VERSION}`);
  const bodies = bytes.subarray(4 + jsonBytes);
  if (header.requestBodyBytes > bodies.byteLength) throw new CapturedTurnCodecError('captured turn is shorter than its request body');
  const { v: _v, requestBodyBytes, startedAt, firstByteAt, endedAt, ...rest } = header;
  return {
    ...rest,
    requestBody: Buffer.from(bodies.subarray(0, requestBodyBytes)),
    responseBody: Buffer.from(bodies.subarray(requestBodyBytes)),
    startedAt: new Date(startedAt),
    ...(firstByteAt === null ? {} : { firstByteAt: new Date(firstByteAt) }),
    endedAt: new Date(endedAt),
  };
}
