import path from 'node:path';
import { EXT_PROC_METHOD_PATH, extProcProtoPath, extProcServiceDefinition } from './ext-proc-service';
import { PROCESSING_KINDS, type ProcessingKind, type ProcessingRequest } from './processing-messages';

/**
 * Wire compatibility with Envoy, on bytes written by hand from Envoy's field numbers
 * (docs/ext-proc.md §2): what Envoy sends decodes as expected, and every reply is the non-empty
 * CONTINUE of the matching case.
 */

/** Minimal protobuf writer: varints and length-delimited fields. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const field = (number: number, wireType: 0 | 2) => varint((number << 3) | wireType);
const bytesField = (number: number, payload: number[] | Buffer) => [...field(number, 2), ...varint(payload.length), ...payload];
const boolField = (number: number, value: boolean) => [...field(number, 0), value ? 1 : 0];
const text = (s: string) => [...Buffer.from(s, 'utf8')];

const method = extProcServiceDefinition()['Process'];
if (!method) throw new Error('no Process method');
const decode = (bytes: number[]) => method.requestDeserialize(Buffer.from(bytes)) as ProcessingRequest;

describe('the ext_proc wire format', () => {
  it('serves the method Envoy calls', () => {
    expect(method.path).toBe(EXT_PROC_METHOD_PATH);
    expect(method.path).toBe('/envoy.service.ext_proc.v3.ExternalProcessor/Process');
    expect([method.requestStream, method.responseStream]).toEqual([true, true]);
  });

  it('decodes request headers (raw_value, field 3) and observability_mode (field 10), skipping fields it does not declare', () => {
    const header = (key: string, raw: string) => bytesField(1, [...bytesField(1, text(key)), ...bytesField(3, text(raw))]);
    const headerMap = [...header(':path', '/v1/messages'), ...header('x-request-id', 'abc')];
    const message = [
      ...bytesField(2, [...bytesField(1, headerMap), ...boolField(3, false)]),
      ...bytesField(8, bytesField(1, text('ignored metadata'))), // metadata_context
      ...boolField(10, true),
      ...bytesField(11, boolField(3, true)), // protocol_config
    ];
    const decoded = decode(message);
    expect(decoded.request).toBe('request_headers');
    expect(decoded.observability_mode).toBe(true);
    expect(decoded.request_headers?.end_of_stream).toBe(false);
    expect(decoded.request_headers?.headers?.headers.map((h) => [h.key, h.raw_value.toString()])).toEqual([
      [':path', '/v1/messages'],
      ['x-request-id', 'abc'],
    ]);
  });

  it.each([
    { field: 4, kind: 'request_body' },
    { field: 5, kind: 'response_body' },
  ])('decodes $kind (field $field) with its bytes and end_of_stream', ({ field: number, kind }) => {
    const body = Buffer.from([0x00, 0xff, 0x1f, 0x8b]);
    const decoded = decode(bytesField(number, [...bytesField(1, body), ...boolField(2, true), ...boolField(3, true) /* end_of_stream_without_message */]));
    expect(decoded.request).toBe(kind);
    const message = kind === 'request_body' ? decoded.request_body : decoded.response_body;
    expect(Buffer.isBuffer(message?.body) && message.body.equals(body)).toBe(true);
    expect(message?.end_of_stream).toBe(true);
    expect(decoded.observability_mode).toBe(false);
  });

  it('decodes response trailers (field 7) and an empty body message', () => {
    expect(decode(bytesField(7, bytesField(1, []))).request).toBe('response_trailers');
    const empty = decode(bytesField(5, boolField(2, true)));
    expect(empty.response_body?.body.length).toBe(0);
    expect(empty.response_body?.end_of_stream).toBe(true);
  });

  it.each(PROCESSING_KINDS.map((kind, i) => ({ kind, bytes: [((i + 1) << 3) | 2, 0] })))('answers $kind with the empty CONTINUE of the same case: $bytes', ({ kind, bytes }) => {
    // Never zero bytes: a reply with no oneof case is "spurious" to Envoy (§2.7).
    expect([...method.responseSerialize(kind as ProcessingKind)]).toEqual(bytes);
  });

  it('finds the proto beside the code that loads it, and names where it looked', () => {
    expect(extProcProtoPath()).toBe(path.join(__dirname, 'ext_proc.proto'));
    expect(() => extProcProtoPath('/nonexistent')).toThrow(/ext_proc\.proto not found; looked in/);
  });
});
