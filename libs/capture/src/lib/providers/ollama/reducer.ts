import type { ChatRequest } from '@tapes/llm';
import type { RequestContext } from '../../reducer';
import type { Diagnostics } from '../../diagnostics';
import { FramedReducer } from '../../framing/framed-reducer';
import type { BodyFormat } from '../../framing/body-format';
import type { TurnAssembler } from '../../framing/turn-assembler';
import { parseOllamaRequest } from './request';
import { OllamaTurnAssembler } from './assembler';

/**
 * Ollama's native chat API (`POST /api/chat`): NDJSON streams (`application/x-ndjson`) and
 * one-shot JSON (`"stream": false`). A `{`-body whose content type does not say is framed as
 * NDJSON, which also reads a one-shot body correctly (one line), so a missing or wrong content
 * type never loses the turn. Ollama's OpenAI-compatible `/v1/chat/completions` belongs to the
 * OpenAI reducer.
 */
export class OllamaChatReducer extends FramedReducer {
  readonly provider = 'ollama' as const;
  readonly api = 'ollama.chat' as const;
  protected readonly pathSuffixes = ['/api/chat'] as const;
  override readonly ambiguousJson: BodyFormat = 'ndjson';

  protected createAssembler(diagnostics: Diagnostics): TurnAssembler {
    return new OllamaTurnAssembler(diagnostics);
  }

  parseRequest(document: unknown, _context?: RequestContext): ChatRequest {
    return parseOllamaRequest(document);
  }
}
