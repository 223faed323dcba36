import { sniffBodyFormat, type BodyFormat } from './body-format';

describe('sniffBodyFormat', () => {
  it.each<{ head: string; contentType: string | undefined; ambiguous?: BodyFormat; format: BodyFormat }>([
    { head: 'event: message_start', contentType: 'text/event-stream', format: 'sse' },
    { head: 'data: {"a":1}', contentType: undefined, format: 'sse' },
    { head: ': keep-alive', contentType: undefined, format: 'sse' },
    { head: 'id: 7', contentType: undefined, format: 'sse' },
    { head: 'retry: 1000', contentType: undefined, format: 'sse' },
    { head: 'event:message_start', contentType: 'application/json', format: 'sse' },
    { head: '{"type":"message"}', contentType: 'application/json', format: 'json' },
    { head: '{"type":"error"}', contentType: 'text/event-stream', format: 'json' },
    { head: '[]', contentType: undefined, format: 'json' },
    { head: '{"model":"llama3"}', contentType: 'application/x-ndjson', format: 'ndjson' },
    { head: '{"model":"llama3"}', contentType: 'application/jsonl', format: 'ndjson' },
    { head: '{"model":"llama3"}', contentType: undefined, ambiguous: 'ndjson', format: 'ndjson' },
    { head: '{"model":"llama3"}', contentType: 'application/json; charset=utf-8', ambiguous: 'ndjson', format: 'json' },
    { head: '<html><body>502</body></html>', contentType: 'text/event-stream', format: 'json' },
    { head: 'upstream connect error', contentType: 'text/plain', format: 'json' },
  ])('reads "$head" under $contentType as $format', ({ head, contentType, ambiguous, format }) => {
    expect(sniffBodyFormat(head, contentType, ambiguous ?? 'json', false)).toBe(format);
  });

  it.each(['', 'e', 'even', 'event', 'data', 'retr'])('waits for more than "%s" before deciding', (head) => {
    expect(sniffBodyFormat(head, undefined, 'json', false)).toBeUndefined();
  });

  it.each([
    { head: 'data', contentType: undefined, format: 'json' },
    { head: '', contentType: 'text/event-stream', format: 'sse' },
    { head: '', contentType: 'application/json', format: 'json' },
  ])('decides "$head" at the end of the body ($format)', ({ head, contentType, format }) => {
    expect(sniffBodyFormat(head, contentType, 'json', true)).toBe(format);
  });
});
