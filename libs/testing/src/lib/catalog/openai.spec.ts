import { listFixtureDir, readFixtureText } from '../fixtures';
import { OPENAI_FIXTURES } from './openai';

/** The model a response fixture names: the one-shot body's, or the first stream event's. */
function responseModel(file: string): string | undefined {
  const text = readFixtureText(file);
  if (file.endsWith('.json')) return (JSON.parse(text) as { model?: string }).model;
  const first = text.split('\n').find((line) => line.startsWith('data: {'));
  if (!first) return undefined;
  const event = JSON.parse(first.slice('data: '.length)) as { model?: string; response?: { model?: string } };
  return event.model ?? event.response?.model;
}

describe('OPENAI_FIXTURES', () => {
  it('has one entry per OpenAI response fixture file (the recorded ones included)', () => {
    const files = ['openai_chat', 'openai_responses'].flatMap((dir) =>
      listFixtureDir(dir)
        .filter((name) => /\.(sse|json)$/.test(name))
        .map((name) => `${dir}/${name}`),
    );
    expect(OPENAI_FIXTURES.map((f) => f.responseFile).sort()).toEqual(files.sort());
  });

  it('names every entry uniquely', () => {
    const names = OPENAI_FIXTURES.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(OPENAI_FIXTURES)('$name: a request of its API, streaming exactly when the response is SSE', (fixture) => {
    expect(fixture.provider).toBe('openai');
    expect(fixture.streamed).toBe(fixture.responseFile.endsWith('.sse'));
    expect(fixture.request['stream'] === true).toBe(fixture.streamed);
    if (fixture.api === 'openai.chat_completions') {
      expect(fixture.path).toBe('/v1/chat/completions');
      expect(Array.isArray(fixture.request['messages'])).toBe(true);
    } else {
      expect(fixture.api).toBe('openai.responses');
      expect(fixture.path).toMatch(/\/responses$/);
      expect(fixture.request['input']).toBeDefined();
    }
  });

  it.each(OPENAI_FIXTURES)('$name: the content type the provider sends', (fixture) => {
    if (fixture.path === '/backend-api/codex/responses') expect(fixture.contentType).toBe('');
    else expect(fixture.contentType).toMatch(fixture.streamed ? /^text\/event-stream/ : /^application\/json/);
  });

  it.each(OPENAI_FIXTURES)('$name: the response is from a snapshot of the requested model', (fixture) => {
    const model = responseModel(fixture.responseFile);
    if (model !== undefined) expect(model.startsWith(String(fixture.request['model']))).toBe(true);
  });

  it.each(OPENAI_FIXTURES)('$name: complete exactly when no diagnostics are expected', (fixture) => {
    expect(fixture.complete).toBe((fixture.diagnostics ?? []).length === 0);
  });
});
