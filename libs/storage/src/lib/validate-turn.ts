import { computeHash, isNodeHash, type Node } from '@tapes/merkle';
import { InvalidTurnError } from './errors';
import { CAPTURE_SITES, MAX_CHUNK_MARKS, TURN_OUTCOMES, type HeaderRecord, type TurnRecord } from '@tapes/capture';
import { turnFacts, type TurnFacts } from './turn-facts';

/**
 * Caps on what one turn may hold. A turn over a cap is refused with `oversize_field` before anything
 * is written. Override per store with openStorage({ limits }).
 */
export interface TurnLimits {
  /** Each of requestBody / responseBody. Default 64 MiB. */
  maxBodyBytes: number;
  /** The JSON text of each headers object. Default 256 KiB. */
  maxHeadersBytes: number;
  /** Nodes in one turn. Default 100 000. */
  maxNodes: number;
  /**
   * The JSON text of one node's content blocks. Default 64 MiB, as a body: a 20 MB reply (one
   * node) must store whenever its bytes could be captured (#12; 16 MiB refused it).
   */
  maxNodeContentBytes: number;
  /** requestId. Default 512 characters. */
  maxRequestIdLength: number;
  /** path. Default 8 KiB characters. */
  maxPathLength: number;
  /** Every other string (provider, agent name, role, content type, …). Default 1024. */
  maxStringLength: number;
  /**
   * A node's model, stop reason and project: not indexed, and taken from the request and response
   * bodies, so a long one must not cost the turn (#12). Default 64 KiB characters.
   */
  maxLabelLength: number;
  /** Diagnostics entries, and their JSON text. Defaults 1000 and 1 MiB. */
  maxDiagnostics: number;
  maxDiagnosticsBytes: number;
}

export const TURN_LIMITS: Readonly<TurnLimits> = Object.freeze({
  maxBodyBytes: 64 * 1024 * 1024,
  maxHeadersBytes: 256 * 1024,
  maxNodes: 100_000,
  maxNodeContentBytes: 64 * 1024 * 1024,
  maxRequestIdLength: 512,
  maxPathLength: 8 * 1024,
  maxStringLength: 1024,
  maxLabelLength: 64 * 1024,
  maxDiagnostics: 1000,
  maxDiagnosticsBytes: 1024 * 1024,
});

/** What validation computed on the way, so the writer does not serialise twice. */
export interface ValidatedTurn {
  turn: TurnRecord;
  /** JSON text of each node's content, same order as turn.nodes. */
  contentJson: string[];
  requestHeadersJson: string | null;
  responseHeadersJson: string | null;
  diagnosticsJson: string;
  /** JSON text of the response's chunk timeline (#16), null when the turn has none. */
  responseChunksJson: string | null;
  /** Its session columns and search text (#14). */
  facts: TurnFacts;
}

/**
 * Checks a turn completely before anything is written: shapes, caps, the chain (node i's parent is
 * node i-1) and every hash (recomputed with libs/merkle). Whether the first node's parent exists is
 * the store's check (it needs the database). Throws {@link InvalidTurnError}.
 */
export function validateTurn(turn: TurnRecord, limits: TurnLimits = TURN_LIMITS, now: () => Date = () => new Date()): ValidatedTurn {
  if (typeof turn !== 'object' || turn === null) invalid('turn', 'the turn must be an object');
  str(turn.requestId, 'requestId', limits.maxRequestIdLength, true);
  str(turn.provider, 'provider', limits.maxStringLength, true);
  str(turn.api, 'api', limits.maxStringLength);
  str(turn.agentName, 'agentName', limits.maxStringLength);
  str(turn.method, 'method', limits.maxStringLength);
  str(turn.path, 'path', limits.maxPathLength);
  str(turn.responseContentType, 'responseContentType', limits.maxStringLength);
  str(turn.responseContentEncoding, 'responseContentEncoding', limits.maxStringLength);
  if (!(CAPTURE_SITES as readonly string[]).includes(turn.captureSite)) {
    invalid('captureSite', `captureSite must be one of ${CAPTURE_SITES.join(', ')}`);
  }
  if (!(TURN_OUTCOMES as readonly string[]).includes(turn.outcome)) {
    invalid('outcome', `outcome must be one of ${TURN_OUTCOMES.join(', ')}`);
  }
  if (turn.status !== undefined && !(Number.isInteger(turn.status) && turn.status >= 0 && turn.status <= 999)) {
    invalid('status', 'status must be an integer HTTP status');
  }
  bytes(turn.requestBody, 'requestBody', limits.maxBodyBytes);
  bytes(turn.responseBody, 'responseBody', limits.maxBodyBytes);
  for (const key of ['startedAt', 'firstByteAt', 'endedAt'] as const) {
    const d = turn[key];
    if (d !== undefined && !(d instanceof Date && !Number.isNaN(d.getTime()))) invalid(key, `${key} must be a valid Date`);
    // Both backends must hold it alike: PostgreSQL has no year 0 and nothing before 4713 BC, SQLite
    // would keep any text. A time outside years 1–9999 is nonsense, refused rather than clamped
    // into a plausible-looking one (#12).
    if (d !== undefined && (d.getTime() < MIN_TIME || d.getTime() > MAX_TIME)) invalid(key, `${key} must be a time between 0001-01-01 and 9999-12-31 (got ${d.toISOString()})`);
  }
  const requestHeadersJson = headers(turn.requestHeaders, 'requestHeaders', limits.maxHeadersBytes);
  const responseHeadersJson = headers(turn.responseHeaders, 'responseHeaders', limits.maxHeadersBytes);
  const diagnosticsJson = diagnostics(turn.diagnostics, limits);
  const responseChunksJson = chunkMarks(turn.responseChunks, turn.responseBody?.byteLength ?? 0);

  if (!Array.isArray(turn.nodes)) invalid('nodes', 'nodes must be an array (empty for an unreduced turn)');
  if (turn.nodes.length > limits.maxNodes) {
    oversize('nodes', `${turn.nodes.length} nodes in one turn; the cap is ${limits.maxNodes}`);
  }
  const contentJson: string[] = [];
  let previous: Node | undefined;
  turn.nodes.forEach((node, i) => {
    contentJson.push(validateNode(node, i, limits));
    if (previous === undefined) {
      if (node.parent_hash !== null && !isNodeHash(node.parent_hash)) {
        invalid(`nodes[0].parent_hash`, 'the first node’s parent_hash must be null or a 64-hex hash');
      }
    } else if (node.parent_hash !== previous.hash) {
      throw new InvalidTurnError(
        'broken_chain',
        `nodes[${i}].parent_hash is ${short(node.parent_hash)}, not nodes[${i - 1}].hash ${short(previous.hash)}: ` +
          'a turn’s nodes must form one chain, root first',
        `nodes[${i}].parent_hash`,
      );
    }
    let expected: string;
    try {
      expected = computeHash(node.bucket, node.parent_hash);
    } catch (cause) {
      invalid(`nodes[${i}].bucket`, `cannot hash nodes[${i}]: ${(cause as Error).message}`);
    }
    if (expected !== node.hash) {
      throw new InvalidTurnError(
        'invalid_hash',
        `nodes[${i}].hash ${short(node.hash)} is not the hash of its bucket and parent (${short(expected)})`,
        `nodes[${i}].hash`,
      );
    }
    previous = node;
  });
  return { turn, contentJson, requestHeadersJson, responseHeadersJson, diagnosticsJson, responseChunksJson, facts: turnFacts(turn, limits, now) };
}

function validateNode(node: Node, i: number, limits: TurnLimits): string {
  const at = `nodes[${i}]`;
  if (typeof node !== 'object' || node === null) invalid(at, `${at} must be an object`);
  if (!isNodeHash(node.hash)) invalid(`${at}.hash`, `${at}.hash must be 64 lowercase hex characters`);
  if (node.parent_hash !== null && typeof node.parent_hash !== 'string') {
    invalid(`${at}.parent_hash`, `${at}.parent_hash must be a hash or null`);
  }
  const b = node.bucket;
  if (typeof b !== 'object' || b === null) invalid(`${at}.bucket`, `${at}.bucket must be an object`);
  for (const key of ['type', 'role', 'model', 'provider'] as const) {
    if (typeof b[key] !== 'string') invalid(`${at}.bucket.${key}`, `${at}.bucket.${key} must be a string`);
    if (key !== 'model') str(b[key], `${at}.bucket.${key}`, limits.maxStringLength);
  }
  str(b.agent_name, `${at}.bucket.agent_name`, limits.maxStringLength);
  str(b.model, `${at}.bucket.model`, limits.maxLabelLength);
  if (!Array.isArray(b.content)) invalid(`${at}.bucket.content`, `${at}.bucket.content must be an array`);
  b.content.forEach((block, j) => {
    if (typeof block !== 'object' || block === null || typeof block.type !== 'string') {
      invalid(`${at}.bucket.content[${j}]`, `${at}.bucket.content[${j}] must be an object with a string type`);
    }
  });
  str(node.stop_reason, `${at}.stop_reason`, limits.maxLabelLength);
  str(node.project, `${at}.project`, limits.maxLabelLength);
  if (node.usage !== undefined) {
    if (typeof node.usage !== 'object' || node.usage === null || Array.isArray(node.usage)) {
      invalid(`${at}.usage`, `${at}.usage must be an object`);
    }
    for (const [k, v] of Object.entries(node.usage)) {
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) {
        invalid(`${at}.usage.${k}`, `${at}.usage.${k} must be a finite number`);
      }
    }
  }
  let json: string;
  try {
    json = JSON.stringify(b.content);
  } catch (cause) {
    invalid(`${at}.bucket.content`, `${at}.bucket.content is not JSON-serialisable: ${(cause as Error).message}`);
  }
  // UTF-16 length is a cheap lower bound of the UTF-8 size; only measure exactly near the cap.
  if (json.length * 3 > limits.maxNodeContentBytes && Buffer.byteLength(json) > limits.maxNodeContentBytes) {
    oversize(`${at}.bucket.content`, `${at}.bucket.content is ${Buffer.byteLength(json)} bytes of JSON; the cap is ${limits.maxNodeContentBytes}`);
  }
  return json;
}

function str(value: unknown, field: string, max: number, required = false): void {
  if (value === undefined || value === null) {
    if (required) invalid(field, `${field} is required`);
    return;
  }
  if (typeof value !== 'string') invalid(field, `${field} must be a string`);
  if (required && value.trim() === '') invalid(field, `${field} must not be empty`);
  if (value.length > max) oversize(field, `${field} is ${value.length} characters; the cap is ${max}`);
}

function bytes(value: unknown, field: string, max: number): void {
  if (value === undefined) return;
  if (!(value instanceof Uint8Array)) invalid(field, `${field} must be a Uint8Array`);
  if (value.byteLength > max) oversize(field, `${field} is ${value.byteLength} bytes; the cap is ${max}`);
}

function headers(value: HeaderRecord | undefined, field: string, max: number): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, `${field} must be an object`);
  for (const [name, v] of Object.entries(value)) {
    const ok = typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) invalid(`${field}.${name}`, `${field}["${name}"] must be a string or an array of strings`);
  }
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > max) oversize(field, `${field} is ${Buffer.byteLength(json)} bytes of JSON; the cap is ${max}`);
  return json;
}

/** The chunk timeline as toTurnRecord builds it: at most the cap, offsets increasing within the body, times never decreasing. */
function chunkMarks(value: TurnRecord['responseChunks'], bodyLength: number): string | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) invalid('responseChunks', 'responseChunks must be an array of [byte offset, ms] pairs');
  if (value.length > MAX_CHUNK_MARKS) oversize('responseChunks', `${value.length} chunk marks; the cap is ${MAX_CHUNK_MARKS}`);
  let last: readonly number[] | undefined;
  value.forEach((mark, i) => {
    const ok = Array.isArray(mark) && mark.length === 2 && Number.isInteger(mark[0]) && mark[0] >= 0 && mark[0] < bodyLength && Number.isFinite(mark[1]) && mark[1] >= 0;
    if (!ok) invalid(`responseChunks[${i}]`, `responseChunks[${i}] must be [byte offset within the response body, ms ≥ 0]`);
    if (last && (mark[0] <= (last[0] as number) || mark[1] < (last[1] as number))) {
      invalid(`responseChunks[${i}]`, `responseChunks[${i}] must come after responseChunks[${i - 1}] (offsets increase, times never decrease)`);
    }
    last = mark;
  });
  return value.length === 0 ? null : JSON.stringify(value);
}

function diagnostics(value: TurnRecord['diagnostics'], limits: TurnLimits): string {
  if (value === undefined) return '[]';
  if (!Array.isArray(value)) invalid('diagnostics', 'diagnostics must be an array');
  if (value.length > limits.maxDiagnostics) {
    oversize('diagnostics', `${value.length} diagnostics; the cap is ${limits.maxDiagnostics}`);
  }
  value.forEach((d, i) => {
    if (typeof d !== 'object' || d === null || typeof d.code !== 'string' || typeof d.detail !== 'string') {
      invalid(`diagnostics[${i}]`, `diagnostics[${i}] must be { code: string, detail: string, data? }`);
    }
  });
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    invalid('diagnostics', `diagnostics are not JSON-serialisable: ${(cause as Error).message}`);
  }
  if (Buffer.byteLength(json) > limits.maxDiagnosticsBytes) {
    oversize('diagnostics', `diagnostics are ${Buffer.byteLength(json)} bytes of JSON; the cap is ${limits.maxDiagnosticsBytes}`);
  }
  return json;
}

/** The first and last instants both backends hold alike: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. */
const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function invalid(field: string, message: string): never {
  throw new InvalidTurnError('invalid_field', message, field);
}

function oversize(field: string, message: string): never {
  throw new InvalidTurnError('oversize_field', message, field);
}

function short(hash: unknown): string {
  return typeof hash === 'string' ? `${hash.slice(0, 12)}…` : String(hash);
}
