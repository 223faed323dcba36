import type { Reducer, TurnApi } from '@tapes/capture';
import type { Provider } from '@tapes/llm';

/**
 * Reducers that only know their endpoints: what the sidecar uses them for (eligibility). Unit
 * tests of the exchange use these so that they test the sidecar's rules, not the reducers'.
 */
export function pathOnlyReducers(): Reducer[] {
  const make = (provider: Provider, api: TurnApi, suffix: string): Reducer => ({
    provider,
    api,
    handlesPath: (path) => (path.split('?', 1)[0] ?? '').replace(/\/+$/, '').endsWith(suffix),
    start: () => {
      throw new Error('the sidecar never reduces');
    },
    reduceJson: () => {
      throw new Error('the sidecar never reduces');
    },
    parseRequest: () => {
      throw new Error('the sidecar never parses requests');
    },
  });
  return [
    make('anthropic', 'anthropic.messages', '/v1/messages'),
    make('openai', 'openai.chat_completions', '/chat/completions'),
    make('openai', 'openai.responses', '/v1/responses'),
    make('ollama', 'ollama.chat', '/api/chat'),
  ];
}
