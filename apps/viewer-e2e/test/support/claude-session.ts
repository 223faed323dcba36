import { ANTHROPIC_FIXTURES, readFixture, send, type MockUpstream } from '@tapes/testing';

/**
 * A Claude Code session with a subagent, as Claude Code sends it (`user-agent: claude-cli/…`,
 * `x-claude-code-session-id`, and `x-claude-code-agent-id` on the subagent's calls), replayed
 * through the proxy to a mock Anthropic. The main thread's second turn is the catalog's
 * `anthropic_extra/claude_code_turn` exactly (request and streamed response, thinking omitted with
 * its signature kept, two tool calls); the other answers are streamed as Anthropic streams them.
 */
export const SESSION_ID = '7e3c1a52-4b1d-4c55-9f0e-2a8d6b1c9e11';
export const SUBAGENT_ID = 'a1b2c3d4-explore';
/** A word that occurs only in a tool result (the subagent's grep output). */
export const TOOL_RESULT_WORD = 'marmalade';
export const LIVE_ANSWER = 'The upstream answers 502 because the retry wrapper drops the Host header';

const fixture = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic_extra/claude_code_turn')!;
const oneshot = JSON.parse(readFixture('anthropic_extra/claude_code_turn_oneshot.json').toString('utf8')) as { content: unknown[] };
const MODEL = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';

type Block = Record<string, unknown>;
type Message = { role: 'user' | 'assistant'; content: string | Block[] };

const headers = (agent?: string) => ({
  'content-type': 'application/json',
  'anthropic-version': '2023-06-01',
  'x-api-key': 'sk-ant-api03-E2E-NOT-A-REAL-KEY-000000000000',
  'user-agent': 'claude-cli/2.0.31 (external, cli)',
  'x-claude-code-session-id': SESSION_ID,
  ...(agent ? { 'x-claude-code-agent-id': agent } : {}),
});

const mainRequest = fixture.request as { system: unknown; tools: unknown; messages: Message[] } & Record<string, unknown>;
const firstQuestion = mainRequest.messages[0]!;
const firstAnswer = mainRequest.messages[1]!;

const subSystem = [{ type: 'text', text: 'You are a file search specialist for Claude Code. Report the callers you find.' }];
const subQuestion: Message = { role: 'user', content: [{ type: 'text', text: 'Find every caller of request() under src/ and say which one retries.' }] };
const grepCall: Block = { type: 'tool_use', id: 'toolu_E2E_SUB_000000000001', name: 'Bash', input: { command: 'grep -rn "request(" src', description: 'Find the callers' } };
const grepResult: Message = {
  role: 'user',
  content: [
    {
      type: 'tool_result',
      tool_use_id: 'toolu_E2E_SUB_000000000001',
      content: `src/server.ts:142: const upstream = await request(target)\nsrc/retry.ts:17: return request(target, { retries: 1 }) // ${TOOL_RESULT_WORD}: one retry, then give up`,
    },
  ],
};
const toolResults: Message = {
  role: 'user',
  content: [
    { type: 'tool_result', tool_use_id: 'toolu_FIXTURE0000000000010', content: '120\texport async function handle(req) {\n121\t  const target = new URL(req.url, upstreamBase)\n122\t  return retry(() => request(target))' },
    { type: 'tool_result', tool_use_id: 'toolu_FIXTURE0000000000011', content: 'FAIL src/server.spec.ts\n  ✕ proxies GET /health (502)\nTests: 1 failed, 12 passed', is_error: true },
  ],
};

/** One turn: who sends it, the request, and the stream the mock upstream answers with. */
export interface ReplayTurn {
  name: string;
  agent?: string;
  request: Record<string, unknown>;
  response: Buffer;
}

const main = (messages: Message[]) => ({ ...mainRequest, messages });
const sub = (messages: Message[]) => ({ model: HAIKU, max_tokens: 8192, stream: true, system: subSystem, tools: [{ name: 'Bash', description: 'Executes a bash command.', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }], messages });

export const TURNS: ReplayTurn[] = [
  { name: 'main 1: the question', request: main([firstQuestion]), response: anthropicStream(MODEL, firstAnswer.content as Block[], 'tool_use', 9) },
  { name: 'main 2: the catalog turn', request: main(mainRequest.messages), response: readFixture(fixture.responseFile) },
  { name: 'subagent 1', agent: SUBAGENT_ID, request: sub([subQuestion]), response: anthropicStream(HAIKU, [grepCall], 'tool_use', 4) },
  {
    name: 'subagent 2',
    agent: SUBAGENT_ID,
    request: sub([subQuestion, { role: 'assistant', content: [grepCall] }, grepResult]),
    response: anthropicStream(HAIKU, [{ type: 'text', text: 'Two callers: `src/server.ts:142` and `src/retry.ts:17`, which retries once.' }], 'end_turn', 30),
  },
];

/** Claude Code retrying the catalog turn: the same request, another answer — the conversation forks. */
export const RETRY_TURN: ReplayTurn = {
  name: 'main 2 again: a retry',
  request: main(mainRequest.messages),
  response: anthropicStream(MODEL, [{ type: 'text', text: 'Retrying: the first attempt was cut off. Reading server.ts next.' }], 'end_turn', 20),
};

/** Sent while the viewer is open: it must appear without a reload. */
export const LIVE_TURN: ReplayTurn = {
  name: 'main 3: the answer, live',
  request: main([...mainRequest.messages, { role: 'assistant', content: oneshot.content as Block[] }, toolResults]),
  response: anthropicStream(MODEL, [{ type: 'text', text: `${LIVE_ANSWER}.\n\n\`\`\`ts\nreturn retry(() => request(target, { headers }))\n\`\`\`` }], 'end_turn', 60),
};

/**
 * The mock Anthropic: each request is answered with the stream of the turn whose request it is
 * (matched by body); the same request sent again (a retry) gets the next such turn's answer.
 */
export function answerTurns(upstream: MockUpstream, turns: ReplayTurn[]): void {
  const seen = new Map<string, number>();
  upstream.handle((req, res) => {
    const body = req.body.toString('utf8');
    const candidates = turns.filter((t) => JSON.stringify(t.request) === body);
    const n = seen.get(body) ?? 0;
    seen.set(body, n + 1);
    const turn = candidates[Math.min(n, candidates.length - 1)];
    if (!turn) return res.writeHead(500, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"api_error","message":"no such turn in the e2e script"}}');
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': `req_e2e_${turns.indexOf(turn)}` });
    res.end(turn.response);
  });
}

/** Sends one turn through the proxy as Claude Code would, and reads the whole answer. */
export async function replay(proxyUrl: string, turn: ReplayTurn): Promise<void> {
  const res = await send(`${proxyUrl}/v1/messages?beta=true`, { method: 'POST', headers: headers(turn.agent), body: JSON.stringify(turn.request) });
  if (res.status !== 200) throw new Error(`${turn.name}: the proxy answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
}

/** An Anthropic Messages stream for `content` (wire blocks), as the API frames it. */
export function anthropicStream(model: string, content: Block[], stopReason: string, outputTokens: number): Buffer {
  const events: [string, unknown][] = [
    ['message_start', { type: 'message_start', message: { id: `msg_e2e_${Math.abs(hash(JSON.stringify(content)))}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 2048, output_tokens: 1 } } }],
  ];
  content.forEach((block, index) => {
    if (block['type'] === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      const text = String(block['text']);
      for (let i = 0; i < text.length; i += 24) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + 24) } }]);
    } else if (block['type'] === 'tool_use') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block['id'], name: block['name'], input: {} } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block['input']) } }]);
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return Buffer.from(events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(''), 'utf8');
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}
