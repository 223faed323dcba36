import { loggedLines } from '../../test/logger-app';

describe('tapesLoggerModule in JSON mode (#10)', () => {
  it('keeps Nest bootstrap chatter out of the info level: the first line is the announcement, then events', async () => {
    const lines = await loggedLines('json', false, (logger, speaker) => {
      logger.announce(['tapes test listening on http://127.0.0.1:1', '  storing turns in X'], { listen: '127.0.0.1:1' });
      speaker.say();
    }, 'turn complete');
    expect(lines.some((l) => /InstanceLoader|RoutesResolver|RouterExplorer|NestFactory|NestApplication/.test(l))).toBe(false);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, app: 'test', listen: '127.0.0.1:1', msg: 'tapes test listening on http://127.0.0.1:1 · storing turns in X' });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 30, context: 'Speaker', msg: 'turn complete', turnId: 't-1' });
  });
});
