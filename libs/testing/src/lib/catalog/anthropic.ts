import type { TurnFixture } from './turn-fixture';

/**
 * Every Anthropic Messages response fixture (the shared corpus `anthropic/`, its
 * `canonical_equivalence/` pairs, and this repository's `anthropic_extra/`) with a request a
 * client could have sent for it: same model, `stream: true` exactly for the SSE ones, and messages
 * that lead to the reply on file.
 */

const PATH = '/v1/messages';
const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

const SONNET_35 = 'claude-3-5-sonnet-20241022';
const OPUS_4 = 'claude-opus-4-20250514';

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
  },
};

const webSearchTool = { type: 'web_search_20250305', name: 'web_search', max_uses: 3 };

function request(model: string, streamed: boolean, userText: string, settings: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model,
    max_tokens: 1024,
    messages: [{ role: 'user', content: userText }],
    ...settings,
    ...(streamed ? { stream: true } : {}),
  };
}

interface Entry {
  file: string;
  request: (streamed: boolean) => Record<string, unknown>;
  diagnostics?: string[];
}

function turn({ file, request: build, diagnostics = [] }: Entry): TurnFixture {
  const streamed = file.endsWith('.sse');
  const fixture: TurnFixture = {
    name: file.replace(/\.(sse|json)$/, ''),
    api: 'anthropic.messages',
    provider: 'anthropic',
    path: PATH,
    responseFile: file,
    contentType: streamed ? SSE : JSON_TYPE,
    streamed,
    request: build(streamed),
    complete: diagnostics.length === 0,
  };
  if (diagnostics.length > 0) fixture.diagnostics = diagnostics;
  return fixture;
}

const hello = (streamed: boolean) => request(SONNET_35, streamed, 'Hello');
const weather = (streamed: boolean) => request(SONNET_35, streamed, "What's the weather like in San Francisco?", { tools: [weatherTool] });
const sums = (streamed: boolean) =>
  request(OPUS_4, streamed, 'What is 2 + 2?', { max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 } });

/** A Claude Code session a few turns in: system blocks, tools, a prior tool round trip, prompt caching. */
function claudeCodeTurn(streamed: boolean): Record<string, unknown> {
  return {
    model: 'claude-sonnet-4-5-20250929',
    max_tokens: 32000,
    stream: streamed,
    thinking: { type: 'enabled', budget_tokens: 31999 },
    metadata: { user_id: 'user_FIXTURE_account__session_FIXTURE' },
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'You are an interactive CLI tool that helps users with software engineering tasks.', cache_control: { type: 'ephemeral' } },
    ],
    tools: [
      { name: 'Read', description: 'Reads a file from the local filesystem.', input_schema: { type: 'object', properties: { file_path: { type: 'string' }, offset: { type: 'number' }, limit: { type: 'number' } }, required: ['file_path'] } },
      { name: 'Bash', description: 'Executes a given bash command.', input_schema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' }, timeout: { type: 'number' } }, required: ['command'] } },
      { name: 'Grep', description: 'Searches file contents.', input_schema: { type: 'object', properties: { pattern: { type: 'string' } }, required: ['pattern'] } },
    ],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'The server test fails with a 502 from the upstream. Can you find out why?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll search for where the upstream call is made." },
          { type: 'tool_use', id: 'toolu_FIXTURE0000000000009', name: 'Grep', input: { pattern: 'upstream' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_FIXTURE0000000000009', content: 'src/server.ts:142: const upstream = await request(target)', cache_control: { type: 'ephemeral' } },
        ],
      },
    ],
  };
}

/** Web search, a GitHub MCP server and extended thinking (whose blocks may come back redacted). */
function serverToolsTurn(streamed: boolean): Record<string, unknown> {
  return {
    model: 'claude-opus-4-1-20250805',
    max_tokens: 4096,
    stream: streamed,
    thinking: { type: 'enabled', budget_tokens: 2048 },
    tools: [webSearchTool],
    mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/github/sse', name: 'github' }],
    messages: [{ role: 'user', content: 'What is the latest Go release, and how many open issues are labelled capture?' }],
  };
}

export const ANTHROPIC_FIXTURES: TurnFixture[] = [
  turn({ file: 'anthropic/messages_oneshot.json', request: hello }),
  turn({ file: 'anthropic/messages_stream.sse', request: hello }),
  turn({ file: 'anthropic/messages_tool_use.sse', request: weather }),
  turn({ file: 'anthropic/messages_thinking.sse', request: sums }),
  turn({
    file: 'anthropic/messages_error_mid_stream.sse',
    request: (streamed) => request(SONNET_35, streamed, 'Write a short story about a lighthouse keeper.'),
    diagnostics: ['upstream_error'],
  }),
  turn({
    file: 'anthropic/messages_truncated_stream.sse',
    request: (streamed) => request(SONNET_35, streamed, 'Explain what a partial response is.'),
    diagnostics: ['incomplete'],
  }),
  ...(['turn_01_oneshot.json', 'turn_01_stream.sse'] as const).map((name) =>
    turn({ file: `anthropic/canonical_equivalence/${name}`, request: (streamed) => request(SONNET_35, streamed, 'Reply with exactly: hello world') }),
  ),
  ...(['turn_02_tool_use_oneshot.json', 'turn_02_tool_use_stream.sse'] as const).map((name) =>
    turn({
      file: `anthropic/canonical_equivalence/${name}`,
      request: (streamed) => request(SONNET_35, streamed, "What's the weather in SF, in Celsius?", { tools: [weatherTool] }),
    }),
  ),
  ...(['turn_03_thinking_oneshot.json', 'turn_03_thinking_stream.sse'] as const).map((name) => turn({ file: `anthropic/canonical_equivalence/${name}`, request: sums })),
  ...(['turn_04_server_tool_oneshot.json', 'turn_04_server_tool_stream.sse'] as const).map((name) =>
    turn({
      file: `anthropic/canonical_equivalence/${name}`,
      request: (streamed) => request(SONNET_35, streamed, 'What is the latest Go version?', { tools: [webSearchTool] }),
    }),
  ),
  turn({ file: 'anthropic_extra/claude_code_turn.sse', request: claudeCodeTurn }),
  turn({ file: 'anthropic_extra/claude_code_turn_oneshot.json', request: claudeCodeTurn }),
  turn({ file: 'anthropic_extra/server_tools.sse', request: serverToolsTurn }),
  turn({ file: 'anthropic_extra/server_tools_oneshot.json', request: serverToolsTurn }),
  turn({
    file: 'anthropic_extra/error_body.json',
    request: (streamed) => request(SONNET_35, streamed, 'Summarise the release notes.'),
    diagnostics: ['upstream_error'],
  }),
];
