import { AGENT_HEADER } from './agent-route';
import {
  ENVELOPE_HEADERS,
  ENVELOPE_MAX_BYTES,
  ENVELOPE_RULES,
  TAPES_ENVELOPE_HEADER_NAMES,
  encodeSessionEnvelope,
  isTapesHeader,
  readSessionEnvelope,
  type SessionEnvelope,
} from './envelope';

// The corpus (test/envelope-corpus.spec.ts) pins the contract; these pin what it leaves implicit.

const base: SessionEnvelope = { harness_id: 'claude', harness_session_id: '11111111-1111-4111-8111-111111111111' };

function totalTapesBytes(headers: Record<string, string | string[]>): number {
  return Object.entries(headers)
    .filter(([name]) => isTapesHeader(name))
    .reduce((sum, [name, value]) => sum + name.length + String(value).length, 0);
}

describe('encodeSessionEnvelope', () => {
  it('drops the metadata first when the 8 KiB budget would be exceeded', () => {
    const cwd = `/${'d'.repeat(4000)}`;
    const name = 'n'.repeat(256);
    const metadata = { blob: 'm'.repeat(3000) }; // under the 4 KiB raw cap, over what is left
    const headers = encodeSessionEnvelope({ ...base, cwd, name, harness_metadata: metadata });
    expect(headers[ENVELOPE_HEADERS.harnessMetadata]).toBeUndefined();
    expect(headers[ENVELOPE_HEADERS.cwd]).toBe(cwd);
    expect(headers[ENVELOPE_HEADERS.sessionName]).toBe(name);
    expect(totalTapesBytes(headers)).toBeLessThanOrEqual(ENVELOPE_MAX_BYTES);
  });

  it('keeps metadata that fits both caps, as base64url without padding', () => {
    const headers = encodeSessionEnvelope({ ...base, harness_metadata: { a: 1 } });
    expect(headers[ENVELOPE_HEADERS.harnessMetadata]).toBe('eyJhIjoxfQ');
  });

  it('never sends a field over the budget, even when it is not the metadata', () => {
    const headers = encodeSessionEnvelope({ ...base, cwd: `/${'d'.repeat(9000)}` });
    expect(headers[ENVELOPE_HEADERS.cwd]).toBeUndefined();
    expect(headers[ENVELOPE_HEADERS.harnessSessionId]).toBe(base.harness_session_id);
  });

  it('leaves out a verbatim field that is not a valid header value rather than sending it', () => {
    const headers = encodeSessionEnvelope({ ...base, harness_version: '1.0\r\nx-evil: 1', parent_harness_session_id: 'päärent' });
    expect(headers[ENVELOPE_HEADERS.harnessVersion]).toBeUndefined();
    expect(headers[ENVELOPE_HEADERS.parentHarnessSessionId]).toBeUndefined();
  });

  it('sends an unknown harness as its id alone', () => {
    expect(encodeSessionEnvelope({ harness_id: 'unknown', harness_session_id: 's', cwd: '/x' })).toEqual({ [ENVELOPE_HEADERS.harnessId]: 'unknown' });
    expect(encodeSessionEnvelope({ harness_id: '' })).toEqual({ [ENVELOPE_HEADERS.harnessId]: 'unknown' });
  });

  it('cuts a name at a code-point boundary at or below 256 bytes', () => {
    const name = `${'a'.repeat(255)}é`; // 257 bytes: the 2-byte é would straddle the cap
    const read = readSessionEnvelope(encodeSessionEnvelope({ ...base, name }));
    expect(read.envelope.name).toBe('a'.repeat(255));
  });

  it('round-trips every printable ASCII character and a tab through the percent-encoding', () => {
    const cwd = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(readSessionEnvelope(encodeSessionEnvelope({ ...base, cwd })).envelope.cwd).toBe(cwd);
    expect(encodeSessionEnvelope({ ...base, cwd: 'a\tb' })[ENVELOPE_HEADERS.cwd]).toBe('a%09b');
  });
});

describe('readSessionEnvelope', () => {
  it('says whether the request named a harness or a session at all', () => {
    expect(readSessionEnvelope({})).toMatchObject({ ok: true, present: false });
    expect(readSessionEnvelope({ [ENVELOPE_HEADERS.cwd]: '/x' })).toMatchObject({ ok: true, present: false, envelope: { harness_id: 'unknown', cwd: '/x' } });
    expect(readSessionEnvelope({ [ENVELOPE_HEADERS.harnessSessionId]: 's' })).toMatchObject({ ok: true, present: true });
  });

  it('never trusts x-paper-auth-* from a client', () => {
    const read = readSessionEnvelope({ 'x-paper-auth-subject': 'someone' });
    expect(read.ok && read.auth_trusted).toBe(false);
  });

  it('reads a redaction marker (headers stored before #13) as absent', () => {
    const read = readSessionEnvelope({ [ENVELOPE_HEADERS.harnessId]: 'claude', [ENVELOPE_HEADERS.harnessSessionId]: '[redacted]', [ENVELOPE_HEADERS.parentHarnessSessionId]: '[redacted:36]' });
    expect(read).toEqual({ ok: true, present: true, envelope: { harness_id: 'claude' }, dropped: [], auth_trusted: false });
  });

  it('reads the first of repeated header values', () => {
    expect(readSessionEnvelope({ [ENVELOPE_HEADERS.harnessId]: ['codex', 'claude'] }).envelope.harness_id).toBe('codex');
  });

  it('drops metadata that is base64url but not JSON', () => {
    const read = readSessionEnvelope({ [ENVELOPE_HEADERS.harnessMetadata]: Buffer.from('{nope').toString('base64url') });
    expect(read).toMatchObject({ ok: true, dropped: [{ field: 'harness_metadata', rule: ENVELOPE_RULES.metadataJson, disposition: 'drop-field' }] });
    expect(read.envelope.harness_metadata).toBeUndefined();
  });

  it('rejects JSON null metadata: there is no object to merge', () => {
    expect(readSessionEnvelope({ [ENVELOPE_HEADERS.harnessMetadata]: 'bnVsbA' })).toMatchObject({ ok: false, error: { field: 'harness_metadata' } });
  });

  it('keeps a percent-escape that decodes to bytes that are not UTF-8 as the raw value', () => {
    expect(readSessionEnvelope({ [ENVELOPE_HEADERS.cwd]: '/x%FF' }).envelope.cwd).toBe('/x%FF');
  });

  it.each(['00000000-0000-4000-8000-000000000001', '{00000000-0000-4000-8000-000000000001}', 'urn:uuid:00000000-0000-4000-8000-000000000001', '00000000000040008000000000000001'])(
    'accepts org id %s in a form Go uuid.Parse accepts',
    (orgId) => {
      expect(readSessionEnvelope({ 'x-paper-auth-org-id': orgId }).ok).toBe(true);
    },
  );
});

describe('TAPES_ENVELOPE_HEADER_NAMES', () => {
  it('lists every x-tapes-* header, the agent name included, for sites to strip before forwarding', () => {
    expect(TAPES_ENVELOPE_HEADER_NAMES).toEqual(expect.arrayContaining([...Object.values(ENVELOPE_HEADERS), AGENT_HEADER]));
    expect(TAPES_ENVELOPE_HEADER_NAMES.every(isTapesHeader)).toBe(true);
    expect(isTapesHeader('X-Tapes-Something-New')).toBe(true);
    expect(isTapesHeader('x-paper-auth-org-id')).toBe(false);
  });
});
