import type { RouteProbe } from '../provider-spec';
import { geminiSpec } from './provider';

function probe(path: string, headers: Record<string, string> = {}): RouteProbe {
  return { path, header: (name) => headers[name] };
}

describe('geminiSpec', () => {
  it.each([
    ['the model list under /v1beta', probe('/v1beta/models')],
    ['token counting', probe('/v1beta/models/gemini-2.5-flash:countTokens')],
    ['a v1 method call on a model', probe('/v1/models/gemini-2.5-flash:embedContent')],
    ['a tuned model', probe('/v1/tunedModels/sentiment-7')],
    ['any request carrying x-goog-api-key', probe('/v1/models', { 'x-goog-api-key': 'AIza…' })],
    ["Gemini CLI's user agent", probe('/', { 'user-agent': 'GeminiCLI/0.61.0 (linux; x64)' })],
  ])('claims %s', (_name, request) => {
    expect(geminiSpec.claims(request)).toBe(true);
  });

  it.each([
    ["OpenAI's model list", probe('/v1/models')],
    ["OpenAI's model lookup", probe('/v1/models/gpt-4o')],
    ['Ollama', probe('/api/tags')],
    ['Anthropic', probe('/v1/messages/count_tokens', { 'anthropic-version': '2023-06-01' })],
  ])('leaves %s alone', (_name, request) => {
    expect(geminiSpec.claims(request)).toBe(false);
  });

  it('points Gemini CLI at the proxy through GOOGLE_GEMINI_BASE_URL, without /v1beta (the CLI appends it)', () => {
    expect(geminiSpec.agentEnv('http://127.0.0.1:8080')).toEqual({ GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:8080' });
  });

  it('builds one reducer, for both turn endpoints', () => {
    const reducers = geminiSpec.createReducers();
    expect(reducers.map((r) => [r.provider, r.api])).toEqual([['gemini', 'gemini.generate_content']]);
  });
});
