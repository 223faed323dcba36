import type { Logger } from '@nestjs/common';
import { turnLogLine } from '@tapes/nest-kit';
import type { StoreResult } from '@tapes/storage';
import type { PendingTurn } from './pending-turn';

/** The one info line per stored turn (agent, model, outcome, tokens, new nodes, turn id). */
export function logStoredTurn(logger: Logger, turn: PendingTurn, outcome: string, stored: StoreResult): void {
  const { fields, message } = turnLogLine({
    agentName: turn.agentName,
    provider: turn.provider,
    model: turn.response.model,
    outcome,
    usage: turn.response.usage,
    newNodes: stored.newNodeCount,
    turnId: stored.turnId,
    duplicate: stored.status === 'duplicate',
  });
  logger.log({ requestId: turn.requestId, headHash: stored.headHash, ...fields }, message);
}
