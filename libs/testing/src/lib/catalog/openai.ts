import type { TurnFixture } from './turn-fixture';

/**
 * Every OpenAI response fixture — Chat Completions (`openai_chat/`) and Responses (the recorded
 * files of the shared corpus and this repository's `openai_responses/`) — with a request a client
 * could have sent for it: the model alias the response names a snapshot of, `stream: true` exactly
 * for the SSE ones, and input that leads to the reply on file.
 */

const CHAT_PATH = '/v1/chat/completions';
const RESPONSES_PATH = '/v1/responses';
const CODEX_PATH = '/backend-api/codex/responses';
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

const weatherFunction = {
  name: 'get_weather',
  description: 'Get the current weather for a location.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City and country, e.g. Paris, France' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location', 'unit'],
    additionalProperties: false,
  },
};

const timeFunction = {
  name: 'get_time',
  description: 'Get the local time in an IANA time zone.',
  parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'], additionalProperties: false },
};

interface Entry {
  file: string;
  request: (streamed: boolean) => Record<string, unknown>;
  diagnostics?: string[];
  path?: string;
  /** The response content type when it is not the usual one for the framing. */
  contentType?: string;
}

function turn(api: 'openai.chat_completions' | 'openai.responses', { file, request, diagnostics = [], path, contentType }: Entry): TurnFixture {
  const streamed = file.endsWith('.sse');
  const fixture: TurnFixture = {
    name: file.replace(/\.(sse|json)$/, ''),
    api,
    provider: 'openai',
    path: path ?? (api === 'openai.responses' ? RESPONSES_PATH : CHAT_PATH),
    responseFile: file,
    contentType: contentType ?? (streamed ? SSE : JSON_TYPE),
    streamed,
    request: request(streamed),
    complete: diagnostics.length === 0,
  };
  if (diagnostics.length > 0) fixture.diagnostics = diagnostics;
  return fixture;
}

/** A Chat Completions request, `stream` explicit both ways (many clients send `"stream": false`). */
function chat(model: string, messages: unknown[], settings: Record<string, unknown> = {}): (streamed: boolean) => Record<string, unknown> {
  return (streamed) => ({ model, messages, ...settings, stream: streamed });
}

const user = (content: string): Record<string, unknown> => ({ role: 'user', content });

/** A Responses request; clients leave `stream` out of one-shot requests. */
function responses(model: string, input: unknown, settings: Record<string, unknown> = {}): (streamed: boolean) => Record<string, unknown> {
  return (streamed) => ({ model, input, ...settings, ...(streamed ? { stream: true } : {}) });
}

const weatherQuestion = "What's the weather like in San Francisco?";

const CHAT_FIXTURES: TurnFixture[] = [
  turn('openai.chat_completions', {
    file: 'openai_chat/text_stream.sse',
    request: chat('gpt-4o-mini', [{ role: 'system', content: 'You are a helpful assistant.' }, user('Hello!')]),
  }),
  turn('openai.chat_completions', {
    file: 'openai_chat/text_oneshot.json',
    request: chat('gpt-4o-mini', [{ role: 'system', content: 'You are a helpful assistant.' }, user('Hello!')]),
  }),
  turn('openai.chat_completions', {
    file: 'openai_chat/tool_call_stream.sse',
    request: chat('gpt-4o-mini', [user(weatherQuestion)], { tools: [{ type: 'function', function: weatherFunction }], tool_choice: 'auto' }),
  }),
  turn('openai.chat_completions', {
    file: 'openai_chat/tool_call_oneshot.json',
    request: chat('gpt-4o-mini', [user(weatherQuestion)], { tools: [{ type: 'function', function: weatherFunction }], tool_choice: 'auto' }),
  }),
  ...['openai_chat/parallel_tool_calls_stream.sse', 'openai_chat/parallel_tool_calls_oneshot.json'].map((file) =>
    turn('openai.chat_completions', {
      file,
      request: chat('gpt-4o', [user('What is the weather and the local time in Paris?')], {
        tools: [
          { type: 'function', function: weatherFunction },
          { type: 'function', function: timeFunction },
        ],
        parallel_tool_calls: true,
      }),
    }),
  ),
  ...['openai_chat/refusal_stream.sse', 'openai_chat/refusal_oneshot.json'].map((file) =>
    turn('openai.chat_completions', {
      file,
      request: chat('gpt-4o-2024-08-06', [user("Give me step-by-step instructions to open my neighbour's front door lock.")], {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'steps', strict: true, schema: { type: 'object', properties: { steps: { type: 'array', items: { type: 'string' } } }, required: ['steps'], additionalProperties: false } },
        },
      }),
    }),
  ),
  ...['openai_chat/reasoning_stream.sse', 'openai_chat/reasoning_oneshot.json'].map((file) =>
    turn('openai.chat_completions', { file, request: chat('deepseek-reasoner', [user('What is 2 + 2?')], { max_tokens: 4096 }) }),
  ),
  turn('openai.chat_completions', {
    file: 'openai_chat/usage_stream.sse',
    request: chat('o4-mini', [{ role: 'developer', content: 'Answer in one short sentence.' }, user('What is the answer to life, the universe and everything?')], {
      reasoning_effort: 'low',
      max_completion_tokens: 2048,
      stream_options: { include_usage: true },
    }),
  }),
  turn('openai.chat_completions', { file: 'openai_chat/n2_stream.sse', request: chat('gpt-4o-mini', [user('Flip a coin. Answer Heads or Tails.')], { n: 2 }), diagnostics: ['extra_choices'] }),
  turn('openai.chat_completions', {
    file: 'openai_chat/error_mid_stream.sse',
    request: chat('gpt-4o-mini', [user('Explain what a Merkle DAG is.')]),
    diagnostics: ['upstream_error'],
  }),
  turn('openai.chat_completions', {
    file: 'openai_chat/truncated_stream.sse',
    request: chat('gpt-4o-mini', [user('Write a long answer about content-addressed storage.')]),
    diagnostics: ['incomplete'],
  }),
  turn('openai.chat_completions', { file: 'openai_chat/error_body.json', request: chat('gpt-4o-mini', [user('Hello!')]), diagnostics: ['upstream_error'] }),
];

const parisWeather = responses('gpt-4.1', "What's the weather in Paris?", { tools: [{ type: 'function', strict: true, ...weatherFunction }] });

/** A Codex CLI turn a few steps in: instructions, a freeform patch tool, and a replayed tool round trip. */
function codexPatchTurn(streamed: boolean): Record<string, unknown> {
  return responses(
    'gpt-5',
    [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: "Change the greeting in src/greet.ts to 'hello, world'." }] },
      { type: 'reasoning', summary: [], encrypted_content: 'gAAAAABpFIXTURE-encrypted-reasoning-1==' },
      { type: 'function_call', call_id: 'call_FIXTURE000000000000000010', name: 'shell', arguments: '{"command":["cat","src/greet.ts"]}' },
      { type: 'function_call_output', call_id: 'call_FIXTURE000000000000000010', output: "export const greeting = 'hello';\n" },
    ],
    {
      instructions: 'You are Codex, a coding agent running in a terminal.',
      tools: [
        { type: 'function', name: 'shell', description: 'Runs a shell command.', parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'] } },
        { type: 'custom', name: 'apply_patch', description: 'Apply a patch in the V4A diff format.', format: { type: 'text' } },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      reasoning: { effort: 'medium' },
      store: false,
      include: ['reasoning.encrypted_content'],
    },
  )(streamed);
}

const RESPONSES_FIXTURES: TurnFixture[] = [
  turn('openai.responses', { file: 'openai_responses/stream.sse', request: responses('gpt-4o-mini', 'Reply with exactly: paper-codex-sse-ok') }),
  turn('openai.responses', { file: 'openai_responses/oneshot.json', request: responses('gpt-4o-mini', 'Reply with exactly: paper-codex-ok') }),
  turn('openai.responses', {
    file: 'openai_responses/chatgpt_stream.sse',
    path: CODEX_PATH,
    // The ChatGPT Codex backend streams without a Content-Type header.
    contentType: '',
    request: responses('gpt-5.5', [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Reply with exactly: chatgpt-probe-ok' }] }], {
      instructions: 'You are a helpful assistant.',
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { effort: 'medium' },
      store: false,
      include: [],
      prompt_cache_key: 'f8bfa631-fb92-4be5-86da-cb9914a58391',
    }),
  }),
  turn('openai.responses', { file: 'openai_responses/function_call_stream.sse', request: parisWeather }),
  turn('openai.responses', { file: 'openai_responses/function_call_oneshot.json', request: parisWeather }),
  turn('openai.responses', { file: 'openai_responses/custom_tool_call_stream.sse', request: codexPatchTurn }),
  ...['openai_responses/reasoning_stream.sse', 'openai_responses/reasoning_oneshot.json'].map((file) =>
    turn('openai.responses', {
      file,
      request: responses('o4-mini', 'What is 2 + 2?', { reasoning: { effort: 'medium', summary: 'auto' }, include: ['reasoning.encrypted_content'], store: false }),
    }),
  ),
  turn('openai.responses', {
    file: 'openai_responses/failed_stream.sse',
    request: responses('gpt-4.1', 'Summarise the design document in three bullet points.'),
    diagnostics: ['upstream_error'],
  }),
  // Cut by max_output_tokens: the provider ended the turn, so the capture is complete.
  turn('openai.responses', { file: 'openai_responses/incomplete_stream.sse', request: responses('gpt-4.1-mini', 'Tell me a story.', { max_output_tokens: 16 }) }),
  turn('openai.responses', { file: 'openai_responses/truncated_stream.sse', request: parisWeather, diagnostics: ['tool_input_parse_error', 'incomplete'] }),
  turn('openai.responses', {
    file: 'openai_responses/error_event_stream.sse',
    request: responses('gpt-4.1', 'Explain what a Merkle DAG is.'),
    diagnostics: ['upstream_error'],
  }),
  turn('openai.responses', {
    file: 'openai_responses/error_body.json',
    request: responses('gpt-4.1', [{ role: 'user', content: [] }]),
    diagnostics: ['upstream_error'],
  }),
];

export const OPENAI_FIXTURES: TurnFixture[] = [...CHAT_FIXTURES, ...RESPONSES_FIXTURES];
