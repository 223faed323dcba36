import { listFixtureDir, readFixtureText } from '../fixtures';
import { ANTHROPIC_FIXTURES } from './anthropic';

/** The model a response fixture names: the one-shot body's, or the stream's message_start's. */
function responseModel(file: string): string | undefined {
  const text = readFixtureText(file);
  if (file.endsWith('.json')) return (JSON.parse(text) as { model?: string }).model;
  const start = text.split('\n').find((line) => line.startsWith('data: ') && line.includes('"message_start"'));
  return start ? (JSON.parse(start.slice('data: '.length)) as { message: { model: string } }).message.model : undefined;
}

describe('ANTHROPIC_FIXTURES', () => {
  it('has one entry per Anthropic response fixture file', () => {
    const files = ['anthropic', 'anthropic/canonical_equivalence', 'anthropic_extra'].flatMap((dir) =>
      listFixtureDir(dir)
        .filter((name) => /\.(sse|json)$/.test(name))
        .map((name) => `${dir}/${name}`),
    );
    expect(ANTHROPIC_FIXTURES.map((f) => f.responseFile).sort()).toEqual(files.sort());
  });

  it('names every entry uniquely', () => {
    const names = ANTHROPIC_FIXTURES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(ANTHROPIC_FIXTURES)('$name: a request for the same model, streaming exactly when the response is SSE', (fixture) => {
    expect(fixture).toMatchObject({ api: 'anthropic.messages', provider: 'anthropic', path: '/v1/messages' });
    expect(fixture.streamed).toBe(fixture.responseFile.endsWith('.sse'));
    expect(fixture.contentType).toMatch(fixture.streamed ? /^text\/event-stream/ : /^application\/json/);
    expect(fixture.request['stream'] === true).toBe(fixture.streamed);
    expect(Array.isArray(fixture.request['messages'])).toBe(true);
    const model = responseModel(fixture.responseFile);
    if (model !== undefined) expect(fixture.request['model']).toBe(model);
  });

  it.each(ANTHROPIC_FIXTURES)('$name: complete exactly when no diagnostics are expected', (fixture) => {
    expect(fixture.complete).toBe((fixture.diagnostics ?? []).length === 0);
  });
});
