import { mkdtempSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { openStorage } from '@tapes/storage';
import { ANTHROPIC_FIXTURES, eventually, MockUpstream, OPENAI_FIXTURES, readFixture, type TurnFixture } from '@tapes/testing';
import { startProxyProcess, startTapes, type Child } from './support/processes';

/**
 * #16, the test the issue asks for: the official Anthropic and OpenAI SDKs run a session through
 * the real proxy against a mock provider; everything stops; `tapes replay` serves the stored
 * session; the same SDK calls against it give the same results — final messages and the streamed
 * event sequences — and, with --timing recorded, a deliberately long pause in the provider's stream
 * shows up again.
 */
const SESSION = 'c0ffee00-1616-4616-8616-161616161616';
const HEADERS = { 'x-tapes-harness-id': 'sdk-test', 'x-tapes-harness-session-id': SESSION };
/**
 * The pause the mock provider takes in the middle of one stream; the recording and the replay must
 * show at least half of it. Long, because what a client sees of a pause is the pause less however
 * late the event before it arrived: on a loaded CI machine that was 320 ms of a 700 ms pause (#10).
 */
const PAUSE_MS = 2_000;
const PAUSE_SEEN_MS = PAUSE_MS / 2;

const byName = (name: string): TurnFixture => {
  const found = [...ANTHROPIC_FIXTURES, ...OPENAI_FIXTURES].find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};
const paused = byName('anthropic/messages_stream');
const FIXTURES = [paused, byName('anthropic/messages_oneshot'), byName('anthropic/messages_tool_use'), byName('openai_chat/text_stream'), byName('openai_chat/tool_call_oneshot'), byName('openai_responses/stream')];

/** The provider: answers each fixture's request with its response, event by event (one stream pauses midway). */
async function mockProvider(): Promise<MockUpstream> {
  return MockUpstream.start(async (req, res) => {
    const body = JSON.parse(req.body.toString() || 'null') as unknown;
    const fixture = FIXTURES.find((f) => isDeepStrictEqual(f.request, body));
    if (!fixture) return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `the mock has no answer for ${req.url}` }));
    const bytes = readFixture(fixture.responseFile);
    if (!fixture.streamed) return void res.writeHead(200, { 'content-type': fixture.contentType, 'request-id': `req_${fixture.name}` }).end(bytes);
    res.writeHead(200, { 'content-type': fixture.contentType, 'request-id': `req_${fixture.name}` });
    const events = bytes.toString('utf8').split(/(?<=\n\n)/);
    for (const [i, event] of events.entries()) {
      if (fixture === paused && i === Math.floor(events.length / 2)) await sleep(PAUSE_MS);
      else await new Promise((resolve) => setImmediate(resolve));
      if (res.destroyed) return;
      (res as ServerResponse).write(event);
    }
    res.end();
  });
}

interface Timed<T> {
  value: T;
  /** performance.now() of each streamed event. */
  at: number[];
}

/** The session's calls, as an application would make them, with what each returned. */
async function runSession(baseUrl: string) {
  const anthropic = new Anthropic({ baseURL: baseUrl, apiKey: 'sk-ant-test-key', defaultHeaders: HEADERS, maxRetries: 0 });
  const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'sk-test-key', defaultHeaders: HEADERS, maxRetries: 0 });
  const streamed = async <E>(stream: AsyncIterable<E>): Promise<Timed<E[]>> => {
    const value: E[] = [];
    const at: number[] = [];
    for await (const event of stream) {
      at.push(performance.now());
      value.push(event);
    }
    return { value, at };
  };
  const pausedStream = anthropic.messages.stream(byName('anthropic/messages_stream').request as unknown as Anthropic.MessageCreateParamsStreaming);
  const pausedEvents = await streamed(pausedStream);
  const toolStream = anthropic.messages.stream(byName('anthropic/messages_tool_use').request as unknown as Anthropic.MessageCreateParamsStreaming);
  const toolEvents = await streamed(toolStream);
  return {
    anthropicStream: { events: pausedEvents, final: await pausedStream.finalMessage() },
    anthropicOneShot: await anthropic.messages.create(byName('anthropic/messages_oneshot').request as unknown as Anthropic.MessageCreateParamsNonStreaming),
    anthropicToolUse: { events: toolEvents.value, final: await toolStream.finalMessage() },
    openaiStream: (await streamed(await openai.chat.completions.create(byName('openai_chat/text_stream').request as unknown as OpenAI.ChatCompletionCreateParamsStreaming))).value,
    openaiToolCall: await openai.chat.completions.create(byName('openai_chat/tool_call_oneshot').request as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
    openaiResponses: (await streamed(await openai.responses.create(byName('openai_responses/stream').request as unknown as OpenAI.Responses.ResponseCreateParamsStreaming))).value,
  };
}

type SessionResults = Awaited<ReturnType<typeof runSession>>;

/** The longest pause between two events, and the index of the event after it. */
function longestGap(at: number[]): { ms: number; before: number } {
  let best = { ms: 0, before: 0 };
  for (let i = 1; i < at.length; i++) if (at[i]! - at[i - 1]! > best.ms) best = { ms: at[i]! - at[i - 1]!, before: i };
  return best;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('tapes replay: the official SDKs run a captured session again, offline (#16)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tapes-replay-'));
  const database = path.join(dataDir, 'tapes.db');
  let recorded: SessionResults;
  let replay: Child | undefined;
  let replayUrl: string;

  beforeAll(async () => {
    const provider = await mockProvider();
    const proxy = await startProxyProcess({ dataDir, upstream: provider.url });
    let stopped;
    try {
      recorded = await runSession(proxy.url);
    } finally {
      // Stop everything: the proxy drains what it captured into the store and exits.
      stopped = await proxy.child.stop('SIGTERM');
      await provider.close();
    }
    if (stopped.code !== 0) throw new Error(`the proxy exited ${stopped.code ?? stopped.signal}:\n${proxy.child.output}`);
    const store = await openStorage({ url: database });
    try {
      const session = await store.getSession(SESSION);
      expect(session?.turnCount).toBe(FIXTURES.length);
    } finally {
      await store.close();
    }
    replay = startTapes(['replay', SESSION, '--database', database, '--listen', '127.0.0.1:0', '--timing', 'recorded', '--json'], { HOME: dataDir });
    const started = replay;
    replayUrl = await eventually(
      'tapes replay to listen',
      () => {
        if (!started.running) throw new Error(`tapes replay exited:\n${started.output}`);
        const line = started.stdout.split('\n').find((l) => l.includes('"listening"'));
        return line ? (JSON.parse(line) as { url: string }).url : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, describe: () => started.output },
    );
  });

  afterAll(async () => {
    await replay?.stop('SIGINT');
  });

  it('recorded the pause in the provider’s stream through the proxy: the chunk timeline has it (what the replay reproduces)', async () => {
    // Loose: on a loaded machine the chunk before the pause may itself arrive late.
    expect(longestGap(recorded.anthropicStream.events.at).ms).toBeGreaterThanOrEqual(PAUSE_SEEN_MS);
    const store = await openStorage({ url: database, migrate: false });
    try {
      const turns = await store.sessionTurns(SESSION);
      const timelines = await Promise.all(turns.map(async (t) => (await store.getTurn(t.id, { bodies: false }))!.responseChunks ?? []));
      expect(timelines.every((marks) => marks.length > 0)).toBe(true);
      const gaps = timelines.map((marks) => longestGap(marks.map(([, ms]) => ms)).ms);
      expect(Math.max(...gaps)).toBeGreaterThanOrEqual(PAUSE_SEEN_MS);
    } finally {
      await store.close();
    }
  });

  it('gives the SDKs the same results from the replay: final messages and every streamed event, in order', async () => {
    const replayed = await runSession(replayUrl);
    expect(replayed.anthropicStream.final).toEqual(recorded.anthropicStream.final);
    expect(replayed.anthropicStream.events.value).toEqual(recorded.anthropicStream.events.value);
    expect(replayed.anthropicOneShot).toEqual(recorded.anthropicOneShot);
    expect(replayed.anthropicToolUse.final.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'tool_use', name: 'get_weather' })]));
    expect(replayed.anthropicToolUse).toEqual(recorded.anthropicToolUse);
    expect(replayed.openaiStream).toEqual(recorded.openaiStream);
    expect(replayed.openaiStream.length).toBeGreaterThan(1);
    expect(replayed.openaiToolCall).toEqual(recorded.openaiToolCall);
    expect(replayed.openaiToolCall.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: 'function' });
    expect(replayed.openaiResponses).toEqual(recorded.openaiResponses);

    // --timing recorded: the same events after the long pause, and the pause still long (loosely).
    const before = longestGap(recorded.anthropicStream.events.at);
    const after = longestGap(replayed.anthropicStream.events.at);
    expect(after.before).toBe(before.before);
    expect(after.ms).toBeGreaterThanOrEqual(PAUSE_SEEN_MS);
  });

  it('logs each request it served, naming the turn (JSON lines with --json)', async () => {
    const served = await eventually('served events', () => {
      const events = replay!.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event: string; turnId?: string; how?: string });
      const list = events.filter((e) => e.event === 'served');
      return list.length >= FIXTURES.length ? list : undefined;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    expect(new Set(served.map((e) => e.turnId)).size).toBe(FIXTURES.length);
    expect(served.every((e) => e.how === 'exact')).toBe(true);
  });

  it('answers a request it has no turn for with a 404 naming the closest captured turn and what differed', async () => {
    const request = structuredClone(byName('anthropic/messages_oneshot').request) as { messages: { content: string }[] };
    request.messages[0]!.content = 'Goodbye';
    const res = await fetch(`${replayUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify(request) });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string }; closest: { request_id: string; differences: { path: string; captured?: string; received?: string }[] } };
    expect(body.error.code).toBe('no_matching_turn');
    expect(body.closest.differences).toEqual([{ path: 'messages[0].content', captured: 'Hello', received: 'Goodbye' }]);
    const store = await openStorage({ url: database, migrate: false });
    try {
      const turn = await store.getTurn(body.closest.request_id, { bodies: true });
      expect(JSON.parse(Buffer.from(turn!.requestBody!).toString())).toEqual(byName('anthropic/messages_oneshot').request);
      expect(body.error.message).toContain(turn!.id);
    } finally {
      await store.close();
    }
  });

  it('stops on Ctrl-C', async () => {
    const stopped = await replay!.stop('SIGINT');
    expect(stopped.code).toBe(130);
  });
});
