import { readFixture } from '@tapes/testing';
import { bodyFrames } from './body-frames';

describe('bodyFrames: a body as the frames the reducers see (#15)', () => {
  it('splits an SSE stream into its events, data parsed', () => {
    const framed = bodyFrames(readFixture('anthropic/messages_stream.sse'), { contentType: 'text/event-stream' });
    expect(framed.format).toBe('sse');
    expect(framed.frames[0]).toMatchObject({ event: 'message_start', data: { type: 'message_start' } });
    expect(framed.frames.at(-1)).toMatchObject({ event: 'message_stop' });
    expect(framed.total).toBe(framed.frames.length);
    expect(framed.diagnostics).toEqual([]);
  });

  it('frames NDJSON lines when the reducer says a bare `{`-body is NDJSON (Ollama)', () => {
    const body = '{"a":1}\n{"b":2}\nnot json\n';
    expect(bodyFrames(body, { ambiguousJson: 'ndjson' })).toMatchObject({ format: 'ndjson', frames: [{ event: null, data: { a: 1 } }, { event: null, data: { b: 2 } }], total: 2, diagnostics: [{ code: 'parse_error' }] });
  });

  it('keeps a one-shot document whole', () => {
    expect(bodyFrames('{"type":"message","content":[]}', { contentType: 'application/json' })).toMatchObject({ format: 'json', frames: [{ event: null, data: { type: 'message', content: [] } }], total: 1 });
  });

  it('shows a body that is not JSON as its text (an HTML error page), with the framing diagnostic', () => {
    const framed = bodyFrames('<html>bad gateway</html>', { contentType: 'text/html' });
    expect(framed.frames).toEqual([{ event: null, data: '<html>bad gateway</html>' }]);
    expect(framed.diagnostics.map((d) => d.code)).toEqual(['empty_response']);
  });

  it('keeps SSE data that is not JSON as text, and says an empty body has no framing', () => {
    expect(bodyFrames('event: x\ndata: [DONE]\n\n').frames).toEqual([{ event: 'x', data: '[DONE]' }]);
    expect(bodyFrames('')).toMatchObject({ format: null, frames: [], total: 0 });
  });

  it('cuts at maxFrames but counts every frame', () => {
    const body = Array.from({ length: 10 }, (_, i) => `data: {"i":${i}}\n\n`).join('');
    const framed = bodyFrames(body, { maxFrames: 3 });
    expect(framed.frames).toHaveLength(3);
    expect(framed.total).toBe(10);
  });
});
