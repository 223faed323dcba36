import { resolveLogFormat } from './logger';
import { loggedLines } from '../../test/logger-app';
import { turnLogLine } from './turn-log';

describe('tapesLoggerModule in pretty mode (#10)', () => {
  it('writes the announcement as plain lines first, keeps Nest bootstrap chatter out, and events as readable lines', async () => {
    const lines = await loggedLines('pretty', false, (logger, speaker) => {
      logger.announce(['tapes test listening on http://127.0.0.1:1', '  storing turns in X']);
      speaker.say();
    }, 'turn complete');
    expect(lines.slice(0, 2)).toEqual(['tapes test listening on http://127.0.0.1:1', '  storing turns in X']);
    expect(lines[2]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Speaker: turn complete/);
    expect(lines.join('\n')).not.toMatch(/InstanceLoader|RoutesResolver|RouterExplorer|NestFactory|NestApplication|^\{/m);
  });
});

describe('resolveLogFormat', () => {
  it.each([
    { format: 'auto', isTTY: true, want: 'pretty' },
    { format: 'auto', isTTY: false, want: 'json' },
    { format: undefined, isTTY: undefined, want: 'json' },
    { format: 'json', isTTY: true, want: 'json' },
    { format: 'pretty', isTTY: false, want: 'pretty' },
  ] as const)('$format on a TTY=$isTTY → $want', ({ format, isTTY, want }) => {
    expect(resolveLogFormat(format, { isTTY })).toBe(want);
  });
});

describe('turnLogLine', () => {
  it('says agent, model, outcome, tokens, new nodes and the turn id in one line', () => {
    const { message, fields } = turnLogLine({
      agentName: 'claude',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      outcome: 'complete',
      usage: { prompt_tokens: 1204, completion_tokens: 88 },
      newNodes: 2,
      turnId: '0197d0c2',
    });
    expect(message).toBe('turn complete · claude · claude-sonnet-4-5 · 1,204 in / 88 out tokens · 2 new nodes · turn 0197d0c2');
    expect(fields).toMatchObject({ agent: 'claude', outcome: 'complete', newNodes: 2, turnId: '0197d0c2' });
  });

  it('names a replayed turn and a turn without usage or agent', () => {
    expect(turnLogLine({ provider: 'ollama', outcome: 'partial', newNodes: 1, turnId: 't', duplicate: true }).message).toBe('turn already stored · (no agent) · ollama · 1 new node · turn t');
  });
});
