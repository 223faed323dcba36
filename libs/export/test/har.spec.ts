import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import harSchemas from 'har-schema';
import { readFixture } from '@tapes/testing';
import { exportSessions, harLog, type Har } from '../src';
import { claudeSession, memoryReader, oneShotFixture, SESSION, toolUseFixture } from './support/export-turns';

/** HAR 1.2's JSON schemas (the har-schema package, as har-validator used them), compiled with ajv. */
function harValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addMetaSchema(draft06);
  for (const schema of Object.values(harSchemas as Record<string, object>)) ajv.addSchema(schema);
  return ajv.getSchema('har.json#')!;
}

describe('HAR export (#16)', () => {
  it('is a valid HAR 1.2 log: one page per session, one entry per turn', async () => {
    const session = await claudeSession();
    const har = await harLog([session], { version: '0.1.0-test' });
    const validate = harValidator();
    expect(validate(har) ? [] : validate.errors).toEqual([]);
    // The validator does check: an entry without timings, or with a bad date, is refused.
    const first = har.log.entries[0]!;
    expect(validate({ log: { ...har.log, entries: [{ ...first, timings: undefined }] } })).toBe(false);
    expect(validate({ log: { ...har.log, entries: [{ ...first, startedDateTime: 'yesterday' }] } })).toBe(false);
    expect(har.log.creator).toEqual({ name: 'tapes', version: '0.1.0-test' });
    expect(har.log.pages.map((p) => p.id)).toEqual([SESSION]);
    expect(har.log.entries).toHaveLength(4);
    expect(har.log.entries.every((e) => e.pageref === SESSION)).toBe(true);
  });

  it('names the upstream URL with the stored (redacted) path, and keeps the stored headers', async () => {
    const [entry] = (await harLog([await claudeSession()], { version: 't' })).log.entries;
    expect(entry!.request.url).toBe('https://api.anthropic.com/v1/messages?beta=true');
    expect(entry!.request.queryString).toEqual([{ name: 'beta', value: 'true' }]);
    expect(entry!.request.method).toBe('POST');
    const apiKey = entry!.request.headers.find((h) => h.name === 'x-api-key');
    expect(apiKey?.value).toMatch(/^\[redacted:\d+\]$/);
    expect(entry!.request.headers).toContainEqual({ name: 'x-claude-code-session-id', value: SESSION });
    expect(JSON.stringify(entry)).not.toContain('SECRETSECRET');
    expect(JSON.parse(entry!.request.postData!.text)).toEqual(toolUseFixture.request);
    expect(entry!.response).toMatchObject({ status: 200, statusText: 'OK', content: { mimeType: toolUseFixture.contentType, text: readFixture(toolUseFixture.responseFile).toString('utf8') } });
  });

  it('decodes a content-encoded response for content.text and says how it was encoded', async () => {
    const entry = (await harLog([await claudeSession()], { version: 't' })).log.entries[2]!;
    const plain = readFixture(oneShotFixture.responseFile);
    expect(entry.response.headers).toContainEqual({ name: 'content-encoding', value: 'gzip' });
    expect(entry.response.content.text).toBe(plain.toString('utf8'));
    expect(entry.response.content.encoding).toBeUndefined();
    expect(entry.response.content.size).toBe(plain.byteLength);
    expect(entry.response.content.comment).toBe('decoded from gzip');
    // bodySize is what crossed the wire; compression what decoding added back.
    expect(entry.response.content.compression).toBe(plain.byteLength - entry.response.bodySize);
  });

  it('times each entry from its start, first byte and end', async () => {
    const entry = (await harLog([await claudeSession()], { version: 't' })).log.entries[0]!;
    expect(entry.startedDateTime).toBe('2026-11-30T10:00:00.000Z');
    expect(entry.timings).toMatchObject({ send: 0, wait: 300, receive: 1_700, dns: -1, connect: -1 });
    expect(entry.time).toBe(2_000);
    expect(entry._tapes).toMatchObject({ request_id: 'req-1', session_id: SESSION, thread_id: '', outcome: 'complete' });
  });

  it('is what the har format of exportSessions writes, read with bodies', async () => {
    const reader = memoryReader([await claudeSession()]);
    let text = '';
    for await (const piece of exportSessions(reader, [SESSION], 'har', { version: 't' })) text += piece;
    const har = JSON.parse(text) as Har;
    expect(har.log.entries).toHaveLength(4);
    expect(reader.turnReads.every((r) => r.bodies)).toBe(true);
  });
});
