import type { CapturedTurn, Interruption } from '@tapes/capture';
import type { StoredTurn } from './turn-store';

/**
 * The captured exchange a stored turn was derived from, rebuilt from what the store kept: the raw
 * request and response bytes (response still content-encoded), the redacted headers, timings and
 * the capture's facts. `toTurnRecord` on it re-derives the turn with today's reducers — what
 * `tapes rederive` does after a reducer fix. Read the turn with its bodies (`getTurn(id)`).
 *
 * What a capture knew that the store did not keep is recovered where it can be: an interruption
 * (client gone, upstream error, budget) from the `interrupted` diagnostic the reducer recorded.
 * The `project` stamped on new nodes is not kept per turn, so re-derived nodes carry none.
 */
export function storedTurnToCaptured(stored: StoredTurn): CapturedTurn {
  const startedAt = stored.startedAt ?? stored.createdAt;
  const interruption = interruptionOf(stored);
  const chunks = (stored as { responseChunks?: CapturedTurn['responseChunks'] }).responseChunks;
  return {
    requestId: stored.requestId,
    site: stored.captureSite,
    provider: stored.provider,
    api: stored.api ?? '',
    ...(stored.agentName ? { agentName: stored.agentName } : {}),
    method: stored.method ?? 'POST',
    path: stored.path ?? '',
    status: stored.status ?? 0,
    requestHeaders: stored.requestHeaders ?? {},
    responseHeaders: stored.responseHeaders ?? {},
    requestBody: stored.requestBody ?? new Uint8Array(0),
    responseBody: stored.responseBody ?? new Uint8Array(0),
    ...(stored.responseContentType ? { responseContentType: stored.responseContentType } : {}),
    ...(stored.responseContentEncoding ? { responseContentEncoding: stored.responseContentEncoding } : {}),
    ...(interruption ? { interruption } : {}),
    startedAt,
    ...(stored.firstByteAt ? { firstByteAt: stored.firstByteAt } : {}),
    endedAt: stored.endedAt ?? startedAt,
    ...(chunks ? { responseChunks: chunks } : {}),
  };
}

/** The reducer writes `{ code: 'interrupted', detail: '<reason>: <detail>', data: { reason } }` (framed-reduction.ts). */
function interruptionOf(stored: StoredTurn): Interruption | undefined {
  const found = stored.diagnostics.find((d) => d.code === 'interrupted');
  if (!found) return undefined;
  const reason = typeof found.data?.['reason'] === 'string' ? found.data['reason'] : 'interrupted';
  const detail = found.detail.startsWith(`${reason}: `) ? found.detail.slice(reason.length + 2) : found.detail;
  return { reason, detail };
}
