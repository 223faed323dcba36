import { InvalidTurnError } from '../src';
import { agentName, backends, chatNodes, suiteStore, turnRecord } from './support';

/** #16: a turn keeps when each response chunk arrived, so `tapes replay` can pace it as recorded. */
describe.each(backends)('response chunk timing on $name', ({ create }) => {
  const suite = suiteStore(create);

  const body = Buffer.from('event: message_start\ndata: {}\n\n'); // 31 bytes

  it('stores a turn’s chunk timeline and reads it back as stored', async () => {
    const marks: [number, number][] = [
      [0, 312],
      [12, 340],
      [20, 1_250],
    ];
    const record = turnRecord(chatNodes([['user', 'timed']], 'yes', { agent: agentName('chunks') }), { responseBody: body, responseChunks: marks });
    await suite.store.storeTurn(record);
    expect((await suite.store.getTurn(record.requestId))!.responseChunks).toEqual(marks);
    expect((await suite.store.getTurn(record.requestId, { bodies: false }))!.responseChunks).toEqual(marks);
  });

  it('reads a turn stored without a timeline (captured before #16) without one', async () => {
    const record = turnRecord(chatNodes([['user', 'untimed']], 'yes', { agent: agentName('chunks') }));
    await suite.store.storeTurn(record);
    expect(await suite.store.getTurn(record.requestId)).not.toHaveProperty('responseChunks');
  });

  it.each([
    { name: 'an offset past the body', marks: [[0, 1], [31, 2]] },
    { name: 'offsets that go back', marks: [[0, 1], [10, 2], [5, 3]] },
    { name: 'time that goes back', marks: [[0, 10], [10, 2]] },
    { name: 'a negative time', marks: [[0, -1]] },
    { name: 'not pairs', marks: [[0, 1, 2]] },
  ])('refuses a timeline with $name and writes nothing', async ({ marks }) => {
    const before = await suite.store.counts();
    const record = turnRecord(chatNodes([['user', 'bad timing']], 'no', { agent: agentName('chunks') }), { responseBody: body, responseChunks: marks as [number, number][] });
    const error = await suite.store.storeTurn(record).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTurnError);
    expect((error as InvalidTurnError).field).toMatch(/^responseChunks\[\d\]$/);
    expect(await suite.store.counts()).toEqual(before);
  });
});
