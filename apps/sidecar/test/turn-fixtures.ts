import type { TurnFixture } from '@tapes/testing';

/**
 * The fixture turns the sidecar plays through Envoy's sequences. Provisional: the shared corpus
 * files with a minimal plausible request, until libs/testing exports the full TURN_FIXTURES catalog.
 */
const hello = (model: string, streamed: boolean) => ({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }], ...(streamed ? { stream: true } : {}) });

function fixture(name: string, provider: 'anthropic' | 'openai', file: string): TurnFixture {
  const streamed = file.endsWith('.sse');
  const anthropic = provider === 'anthropic';
  return {
    name,
    api: anthropic ? 'anthropic.messages' : 'openai.responses',
    provider,
    path: anthropic ? '/v1/messages' : '/v1/responses',
    responseFile: file,
    contentType: streamed ? 'text/event-stream; charset=utf-8' : 'application/json',
    streamed,
    request: anthropic ? hello('claude-3-5-sonnet-20241022', streamed) : { model: 'gpt-5', input: 'Hello', ...(streamed ? { stream: true } : {}) },
    complete: true,
  };
}

export const SIDECAR_FIXTURES: TurnFixture[] = [
  fixture('anthropic/messages_oneshot', 'anthropic', 'anthropic/messages_oneshot.json'),
  fixture('anthropic/messages_stream', 'anthropic', 'anthropic/messages_stream.sse'),
  fixture('anthropic/messages_tool_use', 'anthropic', 'anthropic/messages_tool_use.sse'),
  fixture('anthropic/messages_thinking', 'anthropic', 'anthropic/messages_thinking.sse'),
  fixture('anthropic/messages_truncated_stream', 'anthropic', 'anthropic/messages_truncated_stream.sse'),
  fixture('openai_responses/stream', 'openai', 'openai_responses/stream.sse'),
  fixture('openai_responses/oneshot', 'openai', 'openai_responses/oneshot.json'),
];
