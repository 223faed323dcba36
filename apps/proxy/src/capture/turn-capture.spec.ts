import { createDefaultReducers, selectReducer, type CapturedTurn, type DropReason } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { TurnCapture } from './turn-capture';

const reducer = selectReducer(createDefaultReducers(), { api: 'anthropic.messages' })!;

function capture(budget: ByteBudget, maxBodyBytes = 1024, now?: () => Date) {
  const events: { dropped?: { reason: DropReason; detail: string }; finished?: { turn: CapturedTurn; held: number } } = {};
  const turn = new TurnCapture(
    { requestId: 'r1', provider: 'anthropic', reducer, agentName: 'claude', method: 'POST', path: '/v1/messages?key=sk-secret', requestHeaders: { 'x-api-key': 'sk-ant-secret' }, startedAt: new Date(0) },
    budget,
    maxBodyBytes,
    {
      dropped: (_c, reason, detail) => (events.dropped = { reason, detail }),
      finished: async (t, held) => (events.finished = { turn: t, held }),
    },
    now,
  );
  return { turn, events };
}

describe('TurnCapture', () => {
  it('keeps both bodies raw, charges the budget for them and hands over a redacted captured turn with the bytes it holds', async () => {
    const budget = new ByteBudget(1000);
    const { turn, events } = capture(budget);
    turn.requestChunk(Buffer.from('{"model":'));
    turn.requestChunk(Buffer.from('"m"}'));
    expect(turn.responseStarted(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).toBe(true);
    turn.responseChunk(Buffer.from('{"type":"message"}'));
    await turn.finish();
    const finished = events.finished!;
    expect(Buffer.from(finished.turn.requestBody).toString()).toBe('{"model":"m"}');
    expect(Buffer.from(finished.turn.responseBody).toString()).toBe('{"type":"message"}');
    expect(finished.turn).toMatchObject({ site: 'proxy', provider: 'anthropic', api: 'anthropic.messages', status: 200, responseContentType: 'application/json', responseContentEncoding: 'gzip' });
    expect(finished.turn.path).toEqual(expect.stringMatching(/^\/v1\/messages\?key=%5Bredacted%3A\d+%5D$/));
    expect(JSON.stringify(finished.turn.requestHeaders)).not.toContain('sk-ant-secret');
    expect(finished.held).toBe(13 + 18);
    expect(budget.inUse).toBe(31); // released by delivery once the turn leaves memory
    expect(turn.active).toBe(false);
  });

  it('admits a response with a Content-Length whole or not at all: reserved up front, dropped at once when it does not fit (#12)', async () => {
    const budget = new ByteBudget(100);
    const admitted = capture(budget);
    admitted.turn.requestChunk(Buffer.from('{}'));
    expect(admitted.turn.responseStarted(200, { 'content-length': '60' })).toBe(true);
    expect(budget.inUse).toBe(62); // the whole reply, before its first byte
    const refused = capture(budget);
    refused.turn.requestChunk(Buffer.from('{}'));
    expect(refused.turn.responseStarted(200, { 'content-length': '60' })).toBe(false);
    expect(refused.events.dropped?.reason).toBe('capture_budget');
    expect(budget.inUse).toBe(62); // the refused one holds nothing
    for (let i = 0; i < 6; i++) admitted.turn.responseChunk(Buffer.alloc(10, 'x'));
    expect(budget.inUse).toBe(62); // its chunks were paid for up front
    await admitted.turn.finish();
    expect(admitted.events.finished?.held).toBe(62);
    expect(capture(new ByteBudget(1000), 50).turn.responseStarted(200, { 'content-length': '60' })).toBe(false); // over the per-body cap
  });

  it('records where each response chunk began and when it arrived, for replay (#16)', async () => {
    const times = [300, 320, 1_250, 1_260, 1_300];
    const { turn, events } = capture(new ByteBudget(1000), 1024, () => new Date(times.shift() ?? 2_000));
    turn.requestChunk(Buffer.from('{}'));
    turn.responseStarted(200, { 'content-type': 'text/event-stream' });
    for (const piece of ['event: a\n\n', 'event: b\n\n', '', 'event: c\n\n']) turn.responseChunk(Buffer.from(piece));
    await turn.finish();
    // Milliseconds since the exchange started (new Date(0)); the empty chunk is no boundary.
    expect(events.finished!.turn.responseChunks).toEqual([
      [0, 300],
      [10, 320],
      [20, 1_260],
    ]);
    expect(events.finished!.turn.firstByteAt).toEqual(new Date(300));
  });

  it.each([
    { name: 'a non-200 answer', act: (t: TurnCapture) => t.responseStarted(429, {}), reason: 'upstream_status' },
    { name: 'a 201, which is no completed turn either', act: (t: TurnCapture) => t.responseStarted(201, {}), reason: 'upstream_status' },
    { name: 'no answer at all', act: (t: TurnCapture) => t.finish(), reason: 'upstream_no_response' },
    { name: 'a request body over the per-body limit', act: (t: TurnCapture) => t.requestChunk(Buffer.alloc(2000)), reason: 'request_over_budget' },
    {
      name: 'a response body over the per-body limit',
      act: (t: TurnCapture) => {
        t.responseStarted(200, {});
        t.responseChunk(Buffer.alloc(600));
        t.responseChunk(Buffer.alloc(600));
      },
      reason: 'response_over_budget',
    },
  ])('drops the capture on $name and returns every byte it held', ({ act, reason }) => {
    const budget = new ByteBudget(10_000);
    const { turn, events } = capture(budget);
    turn.requestChunk(Buffer.from('{"model":"m"}'));
    act(turn);
    expect(events.dropped?.reason).toBe(reason);
    expect(events.finished).toBeUndefined();
    expect(budget.inUse).toBe(0);
  });

  it('drops the capture when the shared budget is full, without touching what other captures hold', () => {
    const budget = new ByteBudget(100);
    const other = capture(budget);
    other.turn.requestChunk(Buffer.alloc(80));
    const { turn, events } = capture(budget);
    turn.requestChunk(Buffer.alloc(10));
    turn.requestChunk(Buffer.alloc(20));
    expect(events.dropped?.reason).toBe('capture_budget');
    expect(budget.inUse).toBe(80);
  });

  it('ignores everything after it was dropped or finished', async () => {
    const budget = new ByteBudget(1000);
    const { turn, events } = capture(budget);
    turn.responseStarted(500, {});
    turn.requestChunk(Buffer.alloc(10));
    turn.responseChunk(Buffer.alloc(10));
    await turn.finish();
    expect(events.finished).toBeUndefined();
    expect(budget.inUse).toBe(0);
  });
});
