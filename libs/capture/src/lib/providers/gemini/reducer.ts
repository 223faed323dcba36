import type { ChatRequest } from '@tapes/llm';
import type { Diagnostics } from '../../diagnostics';
import { FramedReducer } from '../../framing/framed-reducer';
import type { TurnAssembler } from '../../framing/turn-assembler';
import type { RequestContext } from '../../reducer';
import { GeminiTurnAssembler } from './assembler';
import { parseGeminiRequest } from './request';

/**
 * Google Gemini (`POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`, with
 * or without `?alt=sse`; `/v1` alike): one API for both endpoints, since both carry the same
 * GenerateContentResponse objects. `:countTokens`, `:embedContent`, `:batchGenerateContent` and
 * the model list share the prefix but are not turns.
 *
 * The streamed (SSE or JSON array) and one-shot forms of a turn reduce to the same message, so they
 * hash to the same node: pinned by `canonical-equivalence.spec.ts`.
 */
export class GeminiGenerateContentReducer extends FramedReducer {
  readonly provider = 'gemini' as const;
  readonly api = 'gemini.generate_content' as const;
  protected readonly pathSuffixes = [':generateContent', ':streamGenerateContent'] as const;

  protected createAssembler(diagnostics: Diagnostics): TurnAssembler {
    return new GeminiTurnAssembler(diagnostics);
  }

  parseRequest(document: unknown, context?: RequestContext): ChatRequest {
    return parseGeminiRequest(document, context);
  }
}
