import type { ChatRequest } from '@tapes/llm';
import type { RequestContext } from '../../reducer';
import type { Diagnostics } from '../../diagnostics';
import { FramedReducer } from '../../framing/framed-reducer';
import type { TurnAssembler } from '../../framing/turn-assembler';
import { OpenAIChatTurnAssembler } from './assembler';
import { parseChatCompletionsRequest } from './request';

/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`, and the same path on OpenAI-compatible
 * servers: Azure, vLLM, Ollama's `/v1`, OpenRouter, DeepSeek…). Streams are SSE
 * `chat.completion.chunk`s ending in `data: [DONE]`; one-shot bodies are `chat.completion` JSON.
 * Streamed and one-shot forms of a turn reduce to the same message (same node hash): see
 * `openai-chat-reducer.spec.ts`, "canonical equivalence".
 */
export class OpenAIChatReducer extends FramedReducer {
  readonly provider = 'openai' as const;
  readonly api = 'openai.chat_completions' as const;
  protected readonly pathSuffixes = ['/chat/completions'] as const;

  protected createAssembler(diagnostics: Diagnostics): TurnAssembler {
    return new OpenAIChatTurnAssembler(diagnostics);
  }

  parseRequest(document: unknown, _context?: RequestContext): ChatRequest {
    return parseChatCompletionsRequest(document);
  }
}
