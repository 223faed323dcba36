import { createDefaultReducers, OpenAIChatReducer, type Reducer, type RequestContext } from '@tapes/capture';
import type { ChatRequest } from '@tapes/llm';

/**
 * A reducer an embedder might add (#11): an OpenAI-compatible gateway whose turn endpoint is
 * `/acme/v1/chat`. Its request parser marks what it parsed, so a test can tell which thread used
 * which reducer: routing happens in the proxy, request parsing in the storage worker.
 */
class AcmeChatReducer extends OpenAIChatReducer {
  override readonly api = 'acme.chat' as never;
  protected override readonly pathSuffixes = ['/acme/v1/chat'] as never;

  override parseRequest(document: unknown, context?: RequestContext): ChatRequest {
    const request = super.parseRequest(document, context);
    return { ...request, model: `acme-parsed:${request.model}` };
  }
}

/** The module the proxy and its storage worker both load (a ReducerSource). */
export function createCustomReducers(): Reducer[] {
  return [new AcmeChatReducer(), ...createDefaultReducers()];
}
