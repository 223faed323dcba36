import type { ProviderSpec } from '../provider-spec';
import { GeminiGenerateContentReducer } from './reducer';

/**
 * Google Gemini (the Gemini API, as Gemini CLI uses it). Its non-turn traffic: anything under
 * `/v1beta/` (model lists, `:countTokens`, `:embedContent`, files), `/v1/tunedModels…`, and
 * `/v1/models/{model}:{verb}` calls — but not bare `/v1/models` or `/v1/models/{id}`, which are
 * also OpenAI's model list and lookup; requests carrying `x-goog-api-key` (how Gemini CLI sends its
 * key) or Gemini CLI's `GeminiCLI/…` user agent are Gemini's whatever the path.
 *
 * Gemini CLI reads its base URL from `GOOGLE_GEMINI_BASE_URL` and appends `/v1beta` itself.
 */
export const geminiSpec = {
  name: 'gemini',
  apis: ['gemini.generate_content'],
  defaultUpstream: 'https://generativelanguage.googleapis.com',
  upstreamEnv: 'TAPES_UPSTREAM_GEMINI',
  claims: ({ path, header }) =>
    header('x-goog-api-key') !== undefined ||
    (header('user-agent') ?? '').startsWith('GeminiCLI') ||
    path === '/v1beta' ||
    path.startsWith('/v1beta/') ||
    path.startsWith('/v1/tunedModels') ||
    (path.startsWith('/v1/models/') && path.includes(':')),
  agentEnv: (base) => ({ GOOGLE_GEMINI_BASE_URL: base }),
  createReducers: () => [new GeminiGenerateContentReducer()],
} as const satisfies ProviderSpec<'gemini', 'gemini.generate_content'>;
