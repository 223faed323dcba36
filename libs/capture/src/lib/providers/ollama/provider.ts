import type { ProviderSpec } from '../provider-spec';
import { OllamaChatReducer } from './reducer';

/** Ollama: its clients probe `/` and use `/api/*` for everything (tags, pull, show, generate). */
export const ollamaSpec = {
  name: 'ollama',
  apis: ['ollama.chat'],
  defaultUpstream: 'http://localhost:11434',
  upstreamEnv: 'TAPES_UPSTREAM_OLLAMA',
  claims: ({ path }) => path === '/' || path === '' || path.startsWith('/api/'),
  agentEnv: (base) => ({ OLLAMA_HOST: base }),
  createReducers: () => [new OllamaChatReducer()],
} as const satisfies ProviderSpec<'ollama', 'ollama.chat'>;
