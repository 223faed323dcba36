import { isRecord } from '../json';
import { AGENT_HEADER } from './agent-route';
import { isRedacted, type HeaderRecord } from './redaction';

/**
 * The `X-Tapes-*` session envelope: what a harness (or a launcher that knows it) says about the
 * session a request belongs to. Both halves of the contract — the reader and the producer — are
 * written here once and pinned by `fixtures/envelope/` (README: "Header ↔ envelope field mapping",
 * "Encoding rules", "Reader behavior the cases pin"); the field names are the corpus's.
 *
 * `org_id` and `auth_subject` come from `x-paper-auth-*`, which the original project's gateway sets
 * from a validated JWT. tapes has no such gateway: from a client they are assertions, not identity.
 * They are parsed so the corpus runs unchanged, reported with `auth_trusted: false`, and must not be
 * stored or used to authorise anything.
 */
export interface SessionEnvelope {
  /** Verbatim; a missing or empty header reads as `unknown`. */
  harness_id: string;
  harness_session_id?: string;
  harness_version?: string;
  /** Percent-decoded; refused (left out) when the decoded value carries a control byte. */
  cwd?: string;
  /** Percent-decoded; refused (left out) when the decoded value carries a control byte. */
  name?: string;
  parent_harness_session_id?: string;
  /** Any JSON value the header carried; validation then requires an object (reject-400 otherwise). */
  harness_metadata?: unknown;
  /** Client-asserted in tapes (see above). */
  org_id?: string;
  /** Client-asserted in tapes (see above). */
  auth_subject?: string;
}

export type EnvelopeField = Exclude<keyof SessionEnvelope, 'harness_id'>;

/** One refused field. `drop-field`: the reader left it out and went on; `reject-400`: the envelope is unusable. */
export interface EnvelopeIssue {
  field: EnvelopeField;
  rule: string;
  disposition: 'drop-field' | 'reject-400';
}

export type SessionEnvelopeRead =
  | { ok: true; envelope: SessionEnvelope; present: boolean; dropped: EnvelopeIssue[]; auth_trusted: false }
  | { ok: false; error: EnvelopeIssue & { disposition: 'reject-400' }; envelope: SessionEnvelope; dropped: EnvelopeIssue[] };

/** The rules, worded as the corpus words them (its `error.rule`), so a test can compare them exactly. */
export const ENVELOPE_RULES = {
  metadataBase64: 'must be valid base64url(no-pad)',
  metadataJson: 'must be base64url(no-pad) of valid JSON',
  metadataObject: 'must decode to a JSON object',
  orgIdUuid: 'must be a UUID when non-empty',
  parentEmpty: 'an empty parent header is omitted by the reader; the reject-empty rule guards the JSON body path, not headers',
  controlBytes: 'must not contain a control byte after percent-decoding',
} as const;

export const ENVELOPE_HEADERS = {
  harnessId: 'x-tapes-harness-id',
  harnessSessionId: 'x-tapes-harness-session-id',
  harnessVersion: 'x-tapes-harness-version',
  cwd: 'x-tapes-cwd',
  sessionName: 'x-tapes-session-name',
  parentHarnessSessionId: 'x-tapes-parent-harness-session-id',
  harnessMetadata: 'x-tapes-harness-metadata',
} as const;

export const PAPER_AUTH_HEADERS = { orgId: 'x-paper-auth-org-id', subject: 'x-paper-auth-subject' } as const;

/**
 * Every `x-tapes-*` header tapes reads. They are tapes' own framing, addressed to tapes, so a
 * capture site strips them before forwarding upstream ({@link isTapesHeader} also catches names a
 * newer client may add).
 */
export const TAPES_ENVELOPE_HEADER_NAMES: readonly string[] = [...Object.values(ENVELOPE_HEADERS), AGENT_HEADER];

export function isTapesHeader(name: string): boolean {
  return name.toLowerCase().startsWith('x-tapes-');
}

export const HARNESS_ID_UNKNOWN = 'unknown';
/** Producer caps (README "Encoding rules"). */
export const SESSION_NAME_MAX_BYTES = 256;
export const METADATA_MAX_BYTES = 4 * 1024;
export const ENVELOPE_MAX_BYTES = 8 * 1024;

/**
 * Reads the envelope from request headers (lower-case names). Malformed optional fields are dropped
 * and listed in `dropped` (log or count them; they never fail the request); a metadata value that is
 * not a JSON object, or a non-UUID `org_id`, makes the envelope unusable (`reject-400`). `present`
 * says whether the request named a harness or a session at all (`x-tapes-harness-id` or
 * `x-tapes-harness-session-id` non-empty).
 */
export function readSessionEnvelope(headers: HeaderRecord): SessionEnvelopeRead {
  // A redaction marker is not what the client sent: turns stored before #13 carry `[redacted]`
  // for every name containing `session`, and re-deriving them must not read it as an id.
  const get = (name: string): string => {
    const value = first(headers[name]) ?? '';
    return isRedacted(value) ? '' : value;
  };
  const dropped: EnvelopeIssue[] = [];
  const harnessId = get(ENVELOPE_HEADERS.harnessId);
  const envelope: SessionEnvelope = { harness_id: harnessId || HARNESS_ID_UNKNOWN };
  const present = harnessId !== '' || get(ENVELOPE_HEADERS.harnessSessionId) !== '';

  setIfNonEmpty(envelope, 'org_id', get(PAPER_AUTH_HEADERS.orgId));
  setIfNonEmpty(envelope, 'auth_subject', get(PAPER_AUTH_HEADERS.subject));
  setIfNonEmpty(envelope, 'harness_session_id', get(ENVELOPE_HEADERS.harnessSessionId));
  setIfNonEmpty(envelope, 'harness_version', get(ENVELOPE_HEADERS.harnessVersion));
  for (const [field, header] of [['cwd', ENVELOPE_HEADERS.cwd], ['name', ENVELOPE_HEADERS.sessionName]] as const) {
    const raw = get(header);
    if (raw === '') continue;
    const value = decodePercentOrRaw(raw);
    // The producer escapes control bytes so none can forge a header on the wire; decoding hands
    // them back, so the reader refuses the value rather than store it (README: control-byte guard).
    if (hasControlByte(value)) dropped.push({ field, rule: ENVELOPE_RULES.controlBytes, disposition: 'drop-field' });
    else envelope[field] = value;
  }
  if (first(headers[ENVELOPE_HEADERS.parentHarnessSessionId]) === '') {
    dropped.push({ field: 'parent_harness_session_id', rule: ENVELOPE_RULES.parentEmpty, disposition: 'drop-field' });
  }
  setIfNonEmpty(envelope, 'parent_harness_session_id', get(ENVELOPE_HEADERS.parentHarnessSessionId));
  const metadata = get(ENVELOPE_HEADERS.harnessMetadata);
  if (metadata !== '') {
    const decoded = decodeMetadata(metadata);
    if ('rule' in decoded) dropped.push({ field: 'harness_metadata', rule: decoded.rule, disposition: 'drop-field' });
    else envelope.harness_metadata = decoded.value;
  }

  const error = validate(envelope);
  if (error) return { ok: false, error, envelope, dropped };
  return { ok: true, envelope, present, dropped, auth_trusted: false };
}

/** Envelope validation (the original's `IngestEnvelope.Validate`, header-reachable rules only). */
function validate(envelope: SessionEnvelope): (EnvelopeIssue & { disposition: 'reject-400' }) | undefined {
  // Object-ness is checked here rather than at parse so the caller learns the metadata was wrong
  // instead of silently losing it (README). `null` is refused too: it is no object to merge.
  if (envelope.harness_metadata !== undefined && !isRecord(envelope.harness_metadata)) {
    return { field: 'harness_metadata', rule: ENVELOPE_RULES.metadataObject, disposition: 'reject-400' };
  }
  if (envelope.org_id !== undefined && !isUuid(envelope.org_id)) return { field: 'org_id', rule: ENVELOPE_RULES.orgIdUuid, disposition: 'reject-400' };
  return undefined;
}

/**
 * The producer: the header set a launcher or a site forwarding a session (the sidecar → ingest)
 * attaches. Applies the percent-encoding set to `cwd` and `name`, caps `name` at 256 bytes on a
 * UTF-8 boundary, drops metadata whose compact JSON exceeds 4 KiB, and keeps the `x-tapes-*` total
 * (name + value bytes) within 8 KiB, metadata being the first to go. An `unknown` harness emits its
 * id alone (nothing else is attributable). Verbatim fields that are not visible ASCII are left out
 * rather than sent as an invalid header. `x-paper-auth-*` are emitted only when the caller passes
 * them.
 */
export function encodeSessionEnvelope(envelope: SessionEnvelope): HeaderRecord {
  const headers: HeaderRecord = {};
  if (envelope.org_id) headers[PAPER_AUTH_HEADERS.orgId] = envelope.org_id;
  if (envelope.auth_subject) headers[PAPER_AUTH_HEADERS.subject] = envelope.auth_subject;
  const harnessId = envelope.harness_id && isHeaderSafe(envelope.harness_id) ? envelope.harness_id : HARNESS_ID_UNKNOWN;
  headers[ENVELOPE_HEADERS.harnessId] = harnessId;
  if (harnessId === HARNESS_ID_UNKNOWN) return headers;

  let budget = ENVELOPE_MAX_BYTES - ENVELOPE_HEADERS.harnessId.length - harnessId.length;
  const put = (name: string, value: string | undefined): void => {
    if (!value || !isHeaderSafe(value)) return;
    const cost = name.length + value.length;
    if (cost > budget) return;
    budget -= cost;
    headers[name] = value;
  };
  put(ENVELOPE_HEADERS.harnessSessionId, envelope.harness_session_id);
  put(ENVELOPE_HEADERS.harnessVersion, envelope.harness_version);
  if (envelope.cwd) put(ENVELOPE_HEADERS.cwd, percentEncode(Buffer.from(envelope.cwd, 'utf8')));
  if (envelope.name) put(ENVELOPE_HEADERS.sessionName, percentEncode(truncateUtf8(Buffer.from(envelope.name, 'utf8'), SESSION_NAME_MAX_BYTES)));
  put(ENVELOPE_HEADERS.parentHarnessSessionId, envelope.parent_harness_session_id);
  if (isRecord(envelope.harness_metadata) && Object.keys(envelope.harness_metadata).length > 0) {
    const json = Buffer.from(JSON.stringify(envelope.harness_metadata), 'utf8');
    if (json.length <= METADATA_MAX_BYTES) put(ENVELOPE_HEADERS.harnessMetadata, json.toString('base64url'));
  }
  return headers;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function setIfNonEmpty<K extends 'org_id' | 'auth_subject' | 'harness_session_id' | 'harness_version' | 'parent_harness_session_id'>(
  envelope: SessionEnvelope,
  field: K,
  value: string,
): void {
  if (value !== '') envelope[field] = value;
}

/** Bytes the producer escapes: C0 controls, DEL, space, `%`, `"`, `\`, and every byte ≥ 0x80. */
function mustEscape(byte: number): boolean {
  return byte < 0x20 || byte >= 0x7f || byte === 0x20 || byte === 0x25 || byte === 0x22 || byte === 0x5c;
}

function percentEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += mustEscape(byte) ? `%${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  return out;
}

/**
 * RFC 3986 path-segment unescaping (Go `url.PathUnescape`): `%XX` only, `+` stays `+` (query
 * unescaping would turn it into a space — `cwd-literal-plus`). A malformed escape, or bytes that are
 * not UTF-8, leave the raw header value, so the row still records something recognisable.
 */
function decodePercentOrRaw(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code !== 0x25) {
      if (code > 0x7f) return raw; // header values are ASCII on the wire; anything else is not ours to decode
      bytes.push(code);
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return raw;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return raw;
  }
}

/** A C0 control (< 0x20) or DEL (0x7F). */
export function hasControlByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Visible ASCII, space and tab: what an HTTP header value may carry unencoded (RFC 9110 §5.5). */
function isHeaderSafe(value: string): boolean {
  return /^[\t\u0020-\u007e]*$/.test(value);
}

/** At most `max` bytes, cut back to the start of a code point (never inside one). */
function truncateUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * base64url without padding is the only accepted alphabet (`error-metadata-padded-base64`): a
 * reader that tried several alphabets would store rows a strict one drops. Any JSON value is kept;
 * object-ness is validation's business.
 */
function decodeMetadata(value: string): { value: unknown } | { rule: string } {
  if (!/^[A-Za-z0-9_-]*$/.test(value) || value.length % 4 === 1) return { rule: ENVELOPE_RULES.metadataBase64 };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64url'));
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { rule: ENVELOPE_RULES.metadataJson };
  }
}

/** The forms Go's `uuid.Parse` accepts: canonical, `{…}`, `urn:uuid:…`, and 32 bare hex digits. */
function isUuid(value: string): boolean {
  const canonical = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const bare = value.replace(/^urn:uuid:/i, '').replace(/^\{(.*)\}$/, '$1');
  return canonical.test(bare) || /^[0-9a-f]{32}$/i.test(value);
}
