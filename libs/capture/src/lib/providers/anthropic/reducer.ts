import type { ChatRequest } from '@tapes/llm';
import type { RequestContext } from '../../reducer';
import type { Diagnostics } from '../../diagnostics';
import { FramedReducer } from '../../framing/framed-reducer';
import type { TurnAssembler } from '../../framing/turn-assembler';
import { parseAnthropicRequest } from './request';
import { AnthropicTurnAssembler } from './assembler';

/**
 * The Anthropic Messages API (`POST /v1/messages`): SSE streams and one-shot JSON responses.
 * `/v1/messages/count_tokens` and `/v1/messages/batches` share the prefix but are not turns.
 *
 * The streamed and one-shot forms of the same turn reduce to the same message, so they hash to the
 * same node (ref §4.2, pinned by the canonical-equivalence spec).
 */
export class AnthropicMessagesReducer extends FramedReducer {
  readonly provider = 'anthropic' as const;
  readonly api = 'anthropic.messages' as const;
  protected readonly pathSuffixes = ['/v1/messages'] as const;

  protected createAssembler(diagnostics: Diagnostics): TurnAssembler {
    return new AnthropicTurnAssembler(diagnostics);
  }

  parseRequest(document: unknown, _context?: RequestContext): ChatRequest {
    return parseAnthropicRequest(document);
  }
}
