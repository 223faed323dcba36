import { HttpException, type ArgumentsHost } from '@nestjs/common';
import { TapesError, TapesExceptionFilter } from './errors';

/** A reply that records what was sent, and the filter's log lines. */
function run(exception: unknown): { status: number; body: unknown; logged: Array<[Record<string, unknown>, string]> } {
  const filter = new TapesExceptionFilter();
  const logged: Array<[Record<string, unknown>, string]> = [];
  (filter as unknown as { logger: { error: (fields: Record<string, unknown>, message: string) => void } }).logger = { error: (fields, message) => logged.push([fields, message]) };
  const sent = { status: 0, body: undefined as unknown };
  const reply = {
    status(code: number) {
      sent.status = code;
      return reply;
    },
    header() {
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  filter.catch(exception, { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost);
  return { ...sent, logged };
}

describe('TapesExceptionFilter (#12: every 500 logs its cause)', () => {
  it('logs the cause of an internal TapesError, and tells the client only "internal error"', () => {
    const cause = new Error('invalid byte sequence for encoding "UTF8": 0x00');
    const { status, body, logged } = run(new TapesError('internal', 'internal error', { cause }));
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]![1]).toContain('0x00');
    expect(logged[0]![0]['cause']).toBe(cause);
  });

  it('logs an unknown error once, and a Nest 500 with its message', () => {
    expect(run(new TypeError('x is undefined')).logged).toHaveLength(1);
    const nest = run(new HttpException('boom', 500));
    expect(nest.status).toBe(500);
    expect(nest.logged.map(([, m]) => m)).toEqual(['internal error: boom']);
  });

  it('logs nothing for what a client did wrong (4xx)', () => {
    expect(run(new TapesError('malformed_envelope', 'bad')).logged).toEqual([]);
    expect(run(new HttpException('not found', 404)).logged).toEqual([]);
  });
});
