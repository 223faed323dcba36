import type { TurnFixture } from './turn-fixture';

/**
 * Every Ollama `/api/chat` response fixture (`fixtures/ollama/`) with a request a client could have
 * sent for it: the same model, `"stream": false` exactly for the one-shot bodies, and messages that
 * lead to the reply on file. Some streamed requests leave `stream` out, as Ollama streams by
 * default and most clients rely on it.
 */

const PATH = '/api/chat';
const NDJSON = 'application/x-ndjson';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A valid 1×1 red PNG, base64 as Ollama takes images. */
const RED_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';

const weatherTools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_local_time',
      description: 'Get the current local time in an IANA time zone',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
    },
  },
];

/** `stream` as a client sends it: `false` for one-shot, and for streams either explicit or left to Ollama's default. */
function streamField(streamed: boolean, explicit: boolean): Record<string, unknown> {
  if (!streamed) return { stream: false };
  return explicit ? { stream: true } : {};
}

interface Entry {
  file: string;
  request: (streamed: boolean) => Record<string, unknown>;
  diagnostics?: string[];
}

function turn({ file, request: build, diagnostics = [] }: Entry): TurnFixture {
  const streamed = file.endsWith('.ndjson');
  const fixture: TurnFixture = {
    name: file.replace(/\.(ndjson|json)$/, ''),
    api: 'ollama.chat',
    provider: 'ollama',
    path: PATH,
    responseFile: file,
    contentType: streamed ? NDJSON : JSON_TYPE,
    streamed,
    request: build(streamed),
    complete: diagnostics.length === 0,
  };
  if (diagnostics.length > 0) fixture.diagnostics = diagnostics;
  return fixture;
}

const skyIsBlue = (streamed: boolean): Record<string, unknown> => ({
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'Why is the sky blue? Answer in one sentence.' }],
  ...streamField(streamed, false),
});

const multiplication = (streamed: boolean): Record<string, unknown> => ({
  model: 'qwen3:8b',
  think: true,
  messages: [{ role: 'user', content: 'What is 17 × 23?' }],
  ...streamField(streamed, true),
});

const weatherInParis = (streamed: boolean): Record<string, unknown> => ({
  model: 'qwen3:8b',
  messages: [
    { role: 'system', content: 'You are a helpful assistant. Use the tools when they help.' },
    { role: 'user', content: 'What is the weather in Paris right now, and what time is it there?' },
  ],
  tools: weatherTools,
  options: { temperature: 0, num_ctx: 8192 },
  keep_alive: '10m',
  ...streamField(streamed, true),
});

export const OLLAMA_FIXTURES: TurnFixture[] = [
  turn({ file: 'ollama/chat_stream.ndjson', request: skyIsBlue }),
  turn({ file: 'ollama/chat_oneshot.json', request: skyIsBlue }),
  turn({ file: 'ollama/chat_thinking_stream.ndjson', request: multiplication }),
  turn({ file: 'ollama/chat_thinking_oneshot.json', request: multiplication }),
  turn({ file: 'ollama/chat_tool_call_stream.ndjson', request: weatherInParis }),
  turn({ file: 'ollama/chat_tool_call_oneshot.json', request: weatherInParis }),
  turn({
    file: 'ollama/chat_images_stream.ndjson',
    request: (streamed) => ({
      model: 'llama3.2-vision',
      messages: [{ role: 'user', content: 'What is in this image?', images: [RED_PIXEL_PNG] }],
      options: { temperature: 0.2, num_predict: 256 },
      ...streamField(streamed, true),
    }),
  }),
  turn({
    file: 'ollama/chat_error_mid_stream.ndjson',
    request: (streamed) => ({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Write a long answer about the history of the lighthouse.' }],
      options: { num_ctx: 4096, temperature: 0.8 },
      ...streamField(streamed, false),
    }),
    diagnostics: ['upstream_error'],
  }),
  turn({
    file: 'ollama/chat_truncated_stream.ndjson',
    request: (streamed) => ({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Give me three reasons to write tests first.' }],
      ...streamField(streamed, true),
    }),
    diagnostics: ['parse_error', 'incomplete'],
  }),
  turn({
    file: 'ollama/chat_error.json',
    request: (streamed) => ({
      model: 'llama3.3:70b',
      messages: [{ role: 'user', content: 'Summarise the release notes.' }],
      ...streamField(streamed, true),
    }),
    diagnostics: ['upstream_error'],
  }),
];
