import type { ChatRequest } from '@tapes/llm';
import type { RequestContext } from '../../reducer';
import type { Diagnostics } from '../../diagnostics';
import { FramedReducer } from '../../framing/framed-reducer';
import type { TurnAssembler } from '../../framing/turn-assembler';
import { OpenAIResponsesTurnAssembler } from './assembler';
import { parseResponsesRequest } from './request';

/**
 * OpenAI Responses API (`POST /v1/responses`, and the ChatGPT Codex backend's
 * `/backend-api/codex/responses`, which streams SSE without a content type — sniffing frames it).
 * Streams are SSE `response.*` events; one-shot bodies are a `response` object. Streamed and
 * one-shot forms of a turn reduce to the same message (same node hash): see
 * `openai-responses-reducer.spec.ts`, "canonical equivalence".
 */
export class OpenAIResponsesReducer extends FramedReducer {
  readonly provider = 'openai' as const;
  readonly api = 'openai.responses' as const;
  protected readonly pathSuffixes = ['/responses'] as const;

  protected createAssembler(diagnostics: Diagnostics): TurnAssembler {
    return new OpenAIResponsesTurnAssembler(diagnostics);
  }

  parseRequest(document: unknown, _context?: RequestContext): ChatRequest {
    return parseResponsesRequest(document);
  }
}
