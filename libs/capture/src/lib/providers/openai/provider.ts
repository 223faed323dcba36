import type { ProviderSpec } from '../provider-spec';
import { OpenAIChatReducer } from '../openai-chat/reducer';
import { OpenAIResponsesReducer } from '../openai-responses/reducer';

/**
 * OpenAI: Chat Completions and Responses share one provider (one upstream, one hashed name). It
 * claims nothing by path beyond its turn endpoints: OpenAI-shaped paths (`/v1/models`, …) are
 * what many providers copy, so it is the proxy's default provider instead.
 */
export const openaiSpec = {
  name: 'openai',
  apis: ['openai.chat_completions', 'openai.responses'],
  defaultUpstream: 'https://api.openai.com',
  upstreamEnv: 'TAPES_UPSTREAM_OPENAI',
  claims: ({ header }) => (header('originator') ?? '').startsWith('codex_'),
  agentEnv: (base) => ({ OPENAI_BASE_URL: `${base}/v1` }),
  createReducers: () => [new OpenAIChatReducer(), new OpenAIResponsesReducer()],
} as const satisfies ProviderSpec<'openai', 'openai.chat_completions' | 'openai.responses'>;
