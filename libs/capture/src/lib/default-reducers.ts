import { AnthropicMessagesReducer } from './anthropic/anthropic-reducer';
import { OllamaChatReducer } from './ollama/ollama-chat-reducer';
import { OpenAIChatReducer } from './openai-chat/openai-chat-reducer';
import { OpenAIResponsesReducer } from './openai-responses/openai-responses-reducer';
import type { Reducer } from './reducer';

/**
 * Every reducer tapes ships, constructed explicitly: the list capture sites are given (through
 * the REDUCERS token in the apps). Order matters only for `reducerFor({ provider })`, which picks
 * a provider's first API (OpenAI: Chat Completions).
 */
export function createDefaultReducers(): Reducer[] {
  return [new AnthropicMessagesReducer(), new OpenAIChatReducer(), new OpenAIResponsesReducer(), new OllamaChatReducer()];
}
