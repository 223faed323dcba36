import { computeHash } from '@tapes/merkle';
import { openStorage, type TurnStore } from '@tapes/storage';
import { createTestPostgres, MockUpstream, send, type TestPostgres } from '@tapes/testing';
import { startProxy, type RunningProxy } from './support/proxy-harness';
import { eventually, metricValue, readTurns } from './support/stored-turns';

/**
 * What agents really send, through the proxy on PostgreSQL (#12): an agent name with NUL (from
 * the path), a model and message text with NUL and lone surrogates, tool output with binary bytes.
 * Each turn is stored at once — the name sanitised with a diagnostic, the rest exactly — never
 * retried as a poison turn, never holding back the turns after it.
 */
function streamFor(model: string, text: string, stop: string): Buffer {
  const event = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  return Buffer.from(
    [
      event('message_start', { type: 'message_start', message: { id: 'msg_h', type: 'message', role: 'assistant', content: [], model, stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } }),
      event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
      event('content_block_stop', { type: 'content_block_stop', index: 0 }),
      event('message_delta', { type: 'message_delta', delta: { stop_reason: stop }, usage: { output_tokens: 2 } }),
      event('message_stop', { type: 'message_stop' }),
    ].join(''),
  );
}

const HOSTILE = 'nul:\u0000 lone:\ud800 esc:\u001b[2J';
const BINARY_TOOL_OUTPUT = Buffer.from([0x00, 0x01, 0x7f, 0xff, 0xfe, 0x0a]).toString('latin1');

describe('hostile content through the proxy on PostgreSQL (#12)', () => {
  let pg: TestPostgres;
  let reader: TurnStore;
  let upstream: MockUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    pg = await createTestPostgres();
    upstream = await MockUpstream.start((req, res) => {
      const model = (JSON.parse(req.body.toString('utf8')) as { model: string }).model;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(streamFor(model, `reply ${HOSTILE}`, `stop ${HOSTILE}`));
    });
    proxy = await startProxy({ upstream: upstream.url, databaseUrl: pg.url });
    reader = await openStorage({ url: pg.url, migrate: false });
  });

  afterAll(async () => {
    await proxy?.close();
    await reader?.close();
    await upstream?.close();
    await pg?.drop();
  });

  it('stores every turn at once — the NUL agent name sanitised with a diagnostic, the rest exactly — and drops none', async () => {
    const requests = [
      { path: '/agents/bad%00agent/v1/messages', model: 'claude-sonnet-4-5' },
      { path: '/v1/messages', model: `model ${HOSTILE}` },
      { path: '/agents/after/v1/messages', model: 'claude-sonnet-4-5' },
    ];
    for (const [i, r] of requests.entries()) {
      const body = JSON.stringify({
        model: r.model,
        max_tokens: 16,
        stream: true,
        messages: [
          { role: 'user', content: `turn ${i}: ${HOSTILE}` },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'sh', input: { cmd: 'cat /bin/true' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: BINARY_TOOL_OUTPUT }] },
        ],
      });
      const res = await send(`${proxy.url}${r.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' }, body });
      expect(res.status).toBe(200);
    }
    const turns = await eventually(async () => {
      const stored = await readTurns(reader, { postgresUrl: pg.url });
      return stored.length === requests.length ? stored : undefined;
    }, 'the three turns stored');
    const metrics = await (await fetch(`${proxy.url}/_tapes/metrics`)).text();
    expect(metricValue(metrics, 'tapes_proxy_turns_dropped_total', { reason: 'storage_reject' })).toBe(0);

    const [named, hostile, after] = turns;
    expect(named?.agentName).toBe('bad\uFFFDagent');
    expect(named?.diagnostics.map((d) => d.code)).toContain('agent_name_sanitized');
    expect(after?.agentName).toBe('after');
    expect(hostile?.model).toBe(`model ${HOSTILE}`);
    for (const turn of turns) {
      expect(turn.outcome).toBe('complete');
      const chain = await reader.ancestry(turn.headHash as string);
      expect(chain?.complete).toBe(true);
      for (const node of chain!.nodes) expect(computeHash(node.bucket, node.parent_hash)).toBe(node.hash);
      const texts = chain!.nodes.flatMap((n) => n.bucket.content.map((b) => JSON.stringify(b)));
      expect(texts.some((t) => t.includes(JSON.stringify(HOSTILE).slice(1, -1)))).toBe(true);
    }
    const head = await reader.getNode(hostile!.headHash as string);
    expect(head?.bucket.model).toBe(`model ${HOSTILE}`);
    expect(head?.stop_reason).toBe(`stop ${HOSTILE}`);
  });
});
