import type { ChatResponse } from '@tapes/llm';
import { Diagnostics } from '../diagnostics';
import type { ReductionOptions } from '../reducer';
import type { BodyFormat } from './body-format';
import { FramedReduction } from './framed-reduction';
import type { SseEvent, TurnAssembler } from './turn-assembler';

/** Records the frames the framing hands over, so these specs test framing alone. */
class RecordingAssembler implements TurnAssembler {
  readonly events: SseEvent[] = [];
  readonly lines: unknown[] = [];
  readonly documents: unknown[] = [];
  failOn: string | undefined;

  constructor(private readonly diagnostics: Diagnostics) {}

  sseEvent(event: SseEvent): void {
    if (this.failOn !== undefined && event.data === this.failOn) throw new Error('assembler bug');
    this.events.push({ event: event.event, data: event.data });
  }

  ndjsonValue(value: unknown): void {
    this.lines.push(value);
  }

  jsonDocument(value: unknown): void {
    this.documents.push(value);
  }

  finish(): ChatResponse {
    return { model: '', message: { role: 'assistant', content: [] }, done: false, diagnostics: this.diagnostics.list() };
  }
}

interface Framed {
  assembler: RecordingAssembler;
  response: ChatResponse;
  codes: string[];
}

function frame(chunks: (string | Uint8Array)[], options: ReductionOptions & { ambiguousJson?: BodyFormat } = {}, setup?: (a: RecordingAssembler) => void): Framed {
  const diagnostics = new Diagnostics();
  const assembler = new RecordingAssembler(diagnostics);
  setup?.(assembler);
  const reduction = new FramedReduction(assembler, diagnostics, { ambiguousJson: 'json', ...options });
  for (const chunk of chunks) reduction.push(chunk);
  const response = reduction.finish();
  return { assembler, response, codes: response.diagnostics.map((d) => d.code) };
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const SSE = { contentType: 'text/event-stream' };
const JSON_TYPE = { contentType: 'application/json' };

/** `text` in chunks of `size` characters. */
function chunked(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('FramedReduction', () => {
  describe('SSE', () => {
    it('ignores comments and keeps the events around them', () => {
      const { assembler, codes } = frame([': keep-alive\n\nevent: a\n: mid-event comment\ndata: 1\n\n:\n\nevent: b\ndata: 2\n\n'], SSE);
      expect(assembler.events).toEqual([
        { event: 'a', data: '1' },
        { event: 'b', data: '2' },
      ]);
      expect(codes).toEqual([]);
    });

    it('joins multi-line data with newlines', () => {
      const { assembler } = frame(['event: message\ndata: {"a":\ndata: 1}\n\n'], SSE);
      expect(assembler.events).toEqual([{ event: 'message', data: '{"a":\n1}' }]);
    });

    it.each([
      ['data:x', 'x'],
      ['data: x', 'x'],
      ['data:  x', ' x'],
      ['data:', ''],
      ['data', ''],
    ])('reads "%s" as data %j', (line, data) => {
      expect(frame([`event: e\n${line}\n\n`], SSE).assembler.events).toEqual([{ event: 'e', data }]);
    });

    it('does not dispatch an event without data', () => {
      expect(frame(['event: ping\n\n'], SSE).assembler.events).toEqual([]);
    });

    it('dispatches a last event that lacks its blank line', () => {
      expect(frame(['event: a\ndata: tail'], SSE).assembler.events).toEqual([{ event: 'a', data: 'tail' }]);
    });

    it.each([
      ['LF', '\n'],
      ['CRLF', '\r\n'],
      ['CR', '\r'],
    ])('frames %s line endings, split at every character', (_name, eol) => {
      const body = `event: a${eol}data: 1${eol}${eol}event: b${eol}data: 2${eol}${eol}`;
      expect(frame(chunked(body, 1), SSE).assembler.events).toEqual([
        { event: 'a', data: '1' },
        { event: 'b', data: '2' },
      ]);
    });

    it('skips leading blank lines', () => {
      expect(frame(['\n\n\r\nevent: a\ndata: 1\n\n'], SSE).assembler.events).toEqual([{ event: 'a', data: '1' }]);
    });

    it.each([
      ['bytes', [Uint8Array.from([0xef, 0xbb, 0xbf]), utf8('event: a\ndata: 1\n\n')]],
      ['bytes split inside the BOM', [Uint8Array.from([0xef]), Uint8Array.from([0xbb, 0xbf, ...utf8('event: a\ndata: 1\n\n')])]],
      ['a string chunk', ['\uFEFFevent: a\ndata: 1\n\n']],
    ])('strips a byte-order mark sent as %s', (_name, chunks) => {
      expect(frame(chunks as (string | Uint8Array)[], SSE).assembler.events).toEqual([{ event: 'a', data: '1' }]);
    });

    it('decodes UTF-8 split across chunks and replaces invalid bytes with U+FFFD', () => {
      const bytes = utf8('data: héllo — ✓\n\n');
      const chunks = [...bytes].map((b) => Uint8Array.of(b));
      expect(frame(chunks, SSE).assembler.events).toEqual([{ event: undefined, data: 'héllo — ✓' }]);
      expect(frame([Uint8Array.from([...utf8('data: a'), 0xff, ...utf8('b\n\n')])], SSE).assembler.events).toEqual([{ event: undefined, data: 'a\uFFFDb' }]);
    });

    it('frames a multi-megabyte data line arriving in 16 KiB chunks', () => {
      const partial = JSON.stringify({ content: 'x'.repeat(6 * 1024 * 1024) });
      const data = JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: partial } });
      const { assembler, codes } = frame(chunked(`event: content_block_delta\ndata: ${data}\n\n`, 16 * 1024), SSE);
      expect(assembler.events).toHaveLength(1);
      expect(assembler.events[0]?.data.length).toBe(data.length);
      expect(codes).toEqual([]);
    });

    it('is sniffed without a content type', () => {
      expect(frame(['event: a\ndata: 1\n\n']).assembler.events).toEqual([{ event: 'a', data: '1' }]);
    });

    it('is framed as SSE under a JSON content type', () => {
      const { assembler } = frame(['data: {"a":1}\n\n'], JSON_TYPE);
      expect(assembler.events).toEqual([{ event: undefined, data: '{"a":1}' }]);
      expect(assembler.documents).toEqual([]);
    });

    it('decides the framing of a body whose first chunks are too short to tell', () => {
      expect(frame(['ev', 'en', 't: a\ndata: 1\n\n']).assembler.events).toEqual([{ event: 'a', data: '1' }]);
    });

    it('delivers every event of a stream longer than the byte budget (streams are not buffered)', () => {
      const body = 'data: 0123456789\n\n'.repeat(100);
      const { assembler, codes } = frame(chunked(body, 64), { ...SSE, maxBytes: 256 });
      expect(assembler.events).toHaveLength(100);
      expect(codes).toEqual([]);
    });

    it('stops at a line longer than the budget without throwing on later pushes or at finish', () => {
      const { assembler, codes } = frame(['data: first\n\n', `data: ${'x'.repeat(300)}`, 'more\n\ndata: after\n\n'], { ...SSE, maxBytes: 256 });
      expect(assembler.events).toEqual([{ event: undefined, data: 'first' }]);
      expect(codes).toEqual(['reducer_error']);
    });

    it('turns an assembler exception into a reducer_error and keeps framing', () => {
      const { assembler, codes } = frame(['data: boom\n\ndata: ok\n\n'], SSE, (a) => (a.failOn = 'boom'));
      expect(assembler.events).toEqual([{ event: undefined, data: 'ok' }]);
      expect(codes).toEqual(['reducer_error']);
    });
  });

  describe('JSON', () => {
    it('parses a body padded with whitespace', () => {
      expect(frame(['\r\n\n   {"id": "msg_1",', '\n  "content": [] }  \n\t'], JSON_TYPE).assembler.documents).toEqual([{ id: 'msg_1', content: [] }]);
    });

    it('parses a body with a byte-order mark', () => {
      expect(frame([Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('{"a":1}')])], JSON_TYPE).assembler.documents).toEqual([{ a: 1 }]);
    });

    it('is sniffed without a content type', () => {
      expect(frame(['{"a":', '1}']).assembler.documents).toEqual([{ a: 1 }]);
    });

    it('is framed as JSON under an SSE content type', () => {
      const { assembler } = frame(['{"type":"error","error":{"type":"overloaded_error"}}'], SSE);
      expect(assembler.documents).toEqual([{ type: 'error', error: { type: 'overloaded_error' } }]);
      expect(assembler.events).toEqual([]);
    });

    it.each([
      { name: 'an empty body', chunks: [] as string[] },
      { name: 'a whitespace-only body', chunks: ['  \n', '\t'] },
      { name: 'an HTML page', chunks: ['<!doctype html><h1>502</h1>'] },
      { name: 'truncated JSON', chunks: ['{"a":'] },
    ])('reports $name as empty_response', ({ chunks }) => {
      const { assembler, codes } = frame(chunks, JSON_TYPE);
      expect(codes).toEqual(['empty_response']);
      expect(assembler.documents).toEqual([]);
    });

    it('stops buffering a one-shot body past the byte budget', () => {
      const { assembler, response } = frame(['{"a":"', 'x'.repeat(200), '"}'], { ...JSON_TYPE, maxBytes: 100 });
      expect(assembler.documents).toEqual([]);
      expect(response.diagnostics).toEqual([{ code: 'interrupted', detail: expect.stringContaining('100 bytes'), data: { reason: 'capture_budget' } }]);
    });

    it('stops a body whose framing cannot be told before the budget is spent', () => {
      const { codes } = frame([' '.repeat(200), '{}'], { ...JSON_TYPE, maxBytes: 100 });
      expect(codes).toEqual(['interrupted']);
    });

    it('frames a whole body pushed in one chunk larger than the budget as a stream when it is SSE', () => {
      const { assembler, codes } = frame(['data: 1\n\n'.repeat(50)], { ...SSE, maxBytes: 100 });
      expect(assembler.events).toHaveLength(50);
      expect(codes).toEqual([]);
    });
  });

  describe('NDJSON', () => {
    const NDJSON = { contentType: 'application/x-ndjson' };

    it('splits lines across chunks, tolerating CRLF, blank lines and a last line without newline', () => {
      const body = '{"n":1}\r\n\n{"n":2}\n  \n{"n":3}';
      expect(frame(chunked(body, 3), NDJSON).assembler.lines).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    });

    it('reports a line that is not JSON and keeps the next ones', () => {
      const { assembler, codes } = frame(['{"n":1}\n{oops\n{"n":2}\n'], NDJSON);
      expect(assembler.lines).toEqual([{ n: 1 }, { n: 2 }]);
      expect(codes).toEqual(['parse_error']);
    });

    it('reassembles a multi-megabyte line arriving in small chunks', () => {
      const line = JSON.stringify({ message: { content: 'y'.repeat(4 * 1024 * 1024) } });
      const { assembler } = frame(chunked(`${line}\n{"done":true}\n`, 16 * 1024), NDJSON);
      expect(assembler.lines).toHaveLength(2);
      expect(JSON.stringify(assembler.lines[0]).length).toBe(line.length);
    });

    it('drops a line longer than the budget with a reducer_error and carries on', () => {
      const { assembler, codes } = frame(['{"n":1}\n', '{"long":"', 'z'.repeat(300), '"}\n{"n":2}\n'], { ...NDJSON, maxBytes: 256 });
      expect(assembler.lines).toEqual([{ n: 1 }, { n: 2 }]);
      expect(codes).toEqual(['reducer_error', 'parse_error']);
    });

    it('is chosen for an unlabelled {-body when the API streams NDJSON', () => {
      expect(frame(['{"n":1}\n{"n":2}\n'], { ambiguousJson: 'ndjson' }).assembler.lines).toEqual([{ n: 1 }, { n: 2 }]);
    });
  });

  describe('the reduction contract', () => {
    it('records why the capture site cut the reduction short', () => {
      const diagnostics = new Diagnostics();
      const reduction = new FramedReduction(new RecordingAssembler(diagnostics), diagnostics, { ...SSE, ambiguousJson: 'json' });
      reduction.push('data: 1\n\n');
      const response = reduction.finish({ reason: 'client_disconnect', detail: 'socket closed' });
      expect(response.diagnostics).toEqual([{ code: 'interrupted', detail: 'client_disconnect: socket closed', data: { reason: 'client_disconnect' } }]);
    });

    it('ignores pushes after finish and refuses a second finish', () => {
      const diagnostics = new Diagnostics();
      const assembler = new RecordingAssembler(diagnostics);
      const reduction = new FramedReduction(assembler, diagnostics, { ...SSE, ambiguousJson: 'json' });
      reduction.push('data: 1\n\n');
      reduction.finish();
      reduction.push('data: 2\n\n');
      expect(assembler.events).toHaveLength(1);
      expect(() => reduction.finish()).toThrow('only be finished once');
    });
  });
});
