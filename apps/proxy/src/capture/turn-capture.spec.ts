import { createDefaultReducers, reducerFor, type DropReason } from '@tapes/capture';
import { ByteBudget } from '@tapes/delivery';
import { TurnCapture, type FinishedCapture } from './turn-capture';

const reducer = reducerFor(createDefaultReducers(), { api: 'anthropic.messages' })!;

function capture(budget: ByteBudget, maxBodyBytes = 1024) {
  const events: { dropped?: { reason: DropReason; detail: string }; finished?: FinishedCapture } = {};
  const turn = new TurnCapture(
    { requestId: 'r1', reducer, agentName: 'claude', method: 'POST', path: '/v1/messages', requestHeaders: {}, startedAt: new Date(0) },
    budget,
    maxBodyBytes,
    { dropped: (_c, reason, detail) => (events.dropped = { reason, detail }), finished: (f) => (events.finished = f) },
  );
  return { turn, events };
}

describe('TurnCapture', () => {
  it('keeps both bodies, charges the budget for them and hands them over with the bytes it holds', () => {
    const budget = new ByteBudget(1000);
    const { turn, events } = capture(budget);
    turn.requestChunk(Buffer.from('{"model":'));
    turn.requestChunk(Buffer.from('"m"}'));
    expect(turn.responseStarted(200, { 'content-type': 'application/json' })).toBe(true);
    turn.responseChunk(Buffer.from('{"type":"message"}'));
    turn.finish();
    expect(events.finished?.requestBody.toString()).toBe('{"model":"m"}');
    expect(events.finished?.response.body.toString()).toBe('{"type":"message"}');
    expect(events.finished?.heldBytes).toBe(13 + 18);
    expect(budget.inUse).toBe(31); // released by whoever stores or drops the turn
    expect(turn.active).toBe(false);
  });

  it.each([
    { name: 'a non-200 answer', act: (t: TurnCapture) => t.responseStarted(429, {}), reason: 'upstream_status' },
    { name: 'no answer at all', act: (t: TurnCapture) => t.finish(), reason: 'empty_response' },
    { name: 'a request body over the per-body limit', act: (t: TurnCapture) => t.requestChunk(Buffer.alloc(2000)), reason: 'capture_budget' },
    {
      name: 'a response body over the per-body limit',
      act: (t: TurnCapture) => {
        t.responseStarted(200, {});
        t.responseChunk(Buffer.alloc(600));
        t.responseChunk(Buffer.alloc(600));
      },
      reason: 'capture_budget',
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

  it('ignores everything after it was dropped or finished', () => {
    const budget = new ByteBudget(1000);
    const { turn, events } = capture(budget);
    turn.responseStarted(500, {});
    turn.requestChunk(Buffer.alloc(10));
    turn.responseChunk(Buffer.alloc(10));
    turn.finish();
    expect(events.finished).toBeUndefined();
    expect(budget.inUse).toBe(0);
  });
});
