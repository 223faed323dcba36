import type { StoredTurn } from '@tapes/storage';

/** A stored turn as the read API shows it: JSON-safe, bodies as base64 only when asked for. */
export type TurnView = Omit<StoredTurn, 'requestBody' | 'responseBody' | 'startedAt' | 'firstByteAt' | 'endedAt' | 'createdAt'> & {
  requestBodyBytes: number | null;
  responseBodyBytes: number | null;
  requestBodyBase64?: string;
  responseBodyBase64?: string;
  startedAt: string | null;
  firstByteAt: string | null;
  endedAt: string | null;
  createdAt: string;
};

export function turnView(turn: StoredTurn, withBodies: boolean): TurnView {
  const { requestBody, responseBody, startedAt, firstByteAt, endedAt, createdAt, ...rest } = turn;
  return {
    ...rest,
    requestBodyBytes: requestBody ? requestBody.byteLength : null,
    responseBodyBytes: responseBody ? responseBody.byteLength : null,
    ...(withBodies && requestBody ? { requestBodyBase64: Buffer.from(requestBody).toString('base64') } : {}),
    ...(withBodies && responseBody ? { responseBodyBase64: Buffer.from(responseBody).toString('base64') } : {}),
    startedAt: startedAt?.toISOString() ?? null,
    firstByteAt: firstByteAt?.toISOString() ?? null,
    endedAt: endedAt?.toISOString() ?? null,
    createdAt: createdAt.toISOString(),
  };
}
