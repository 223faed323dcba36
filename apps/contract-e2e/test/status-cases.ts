import type { TurnOutcome } from '@tapes/capture';
import { ANTHROPIC_FIXTURES, readFixture } from '@tapes/testing';

/**
 * The status/outcome contract of the three capture sites in ONE table (issue #7): for each kind
 * of bad input or outage, what the party talking to each site sees and what is stored. A case is
 * a `Record<Site, …>`: adding one does not compile until it is decided for every site.
 */

export const SITES = ['proxy', 'sidecar', 'ingest'] as const;
export type Site = (typeof SITES)[number];

/** What the party talking to the site sees. */
export type ClientView =
  /** The agent, through the proxy: the upstream's own status, and its exact body bytes. */
  | { relayed: number }
  /** Envoy, from the sidecar: every message answered with an empty CONTINUE of its case, at once. */
  | { envoy: 'continue' }
  /** A client of ingest: ingest's own status, its error code, and Retry-After when it says so. */
  | { status: number; code?: string; retryAfter?: true };

/** What became of the turn at the site. */
export type Fate =
  /** A turn row with this outcome (nodes when complete or partial; raw bytes only when unreduced). */
  | { stored: TurnOutcome }
  /** Kept on disk while storage is away, then stored once it is back (checked after recovery). */
  | { spooled: 'then stored' }
  /** Not stored, and counted under this reason in the site's drop counter. */
  | { dropped: string }
  /** Not stored; the client was told why and decides (fix the request, or retry). */
  | { refused: true };

export interface Expectation {
  client: ClientView;
  fate: Fate;
  /**
   * Set where a site departs from the others on the same input, with the reason the table
   * accepts it or the report that asks for a fix. The cell still asserts today's behaviour, so
   * a change is noticed and the table updated.
   */
  divergence?: string;
}

/** An HTTP exchange as the agent and the upstream make it (the proxy sees it; so does Envoy). */
export interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  requestBody?: string;
  status: number;
  responseContentType: string;
  responseBody: string;
}

/** A direct post to ingest: the raw HTTP body, and which token goes with it. */
export interface IngestPost {
  body: string;
  auth: 'token' | 'none';
}

/** What each site is given in a case. */
interface SiteInput {
  proxy: { exchange: Exchange };
  sidecar: { exchange: Exchange; ingestToken?: 'wrong' };
  ingest: { post: IngestPost };
}

/** One row: a mapped type over SITES, so a site added there needs an input and a decision in every case. */
export type StatusCase = {
  name: string;
  /** Every site's storage is taken away for the case (the proxy's database; ingest's database). */
  storageDown?: true;
} & { [S in Site]: Expectation & SiteInput[S] };

/** Byte limits the apps are started with for this table (capture caps and ingest's body limit). */
export const LIMITS = { proxyCaptureBytes: 64 * 1024, sidecarCaptureBytes: 64 * 1024, ingestBodyBytes: 256 * 1024 } as const;

const oneShot = ANTHROPIC_FIXTURES.find((f) => f.name === 'anthropic/messages_oneshot');
if (!oneShot) throw new Error('fixture anthropic/messages_oneshot is missing');
const TURN_REQUEST = JSON.stringify(oneShot.request);
const TURN_RESPONSE = readFixture(oneShot.responseFile).toString('utf8');
const anthropicError = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });

/** A good Anthropic turn; cases change one thing about it. */
function turn(overrides: Partial<Exchange> = {}): Exchange {
  return { method: 'POST', path: '/v1/messages', requestBody: TURN_REQUEST, status: 200, responseContentType: 'application/json', responseBody: TURN_RESPONSE, ...overrides };
}

/** A raw turn envelope for ingest (the form the sidecar posts); cases change one thing about it. */
function envelope(overrides: Record<string, unknown> = {}): IngestPost {
  return {
    auth: 'token',
    body: JSON.stringify({ provider: 'anthropic', path: '/v1/messages', request_body: TURN_REQUEST, response_body: TURN_RESPONSE, response_content_type: 'application/json', ...overrides }),
  };
}

const NOT_JSON = '{"model": "claude-3-5-sonnet-20241022", "messages": [';
const BIG_PROMPT = 'x'.repeat(100 * 1024);

/** Ingest and the other two sites disagree on exchanges the others do not record as turns. */
export const STATUS_CASES: StatusCase[] = [
  {
    name: 'malformed request body (not JSON), refused by the upstream',
    proxy: { exchange: turn({ requestBody: NOT_JSON, status: 400, responseBody: anthropicError('invalid_request_error', 'invalid JSON') }), client: { relayed: 400 }, fate: { dropped: 'upstream_status' } },
    sidecar: { exchange: turn({ requestBody: NOT_JSON, status: 400, responseBody: anthropicError('invalid_request_error', 'invalid JSON') }), client: { envoy: 'continue' }, fate: { dropped: 'upstream_status' } },
    ingest: { post: { auth: 'token', body: '{"provider": "anthropic", "request": ' }, client: { status: 400, code: 'malformed_envelope' }, fate: { refused: true } },
  },
  {
    name: 'request body not JSON, yet the upstream answered 200',
    proxy: { exchange: turn({ requestBody: NOT_JSON }), client: { relayed: 200 }, fate: { stored: 'unreduced' } },
    sidecar: { exchange: turn({ requestBody: NOT_JSON }), client: { envoy: 'continue' }, fate: { stored: 'unreduced' } },
    ingest: { post: envelope({ request_body: NOT_JSON }), client: { status: 202 }, fate: { stored: 'unreduced' } },
  },
  {
    name: 'unknown provider (a path no reducer knows / a provider ingest does not know)',
    proxy: { exchange: turn({ path: '/v9/generate', responseBody: '{"ok":true}' }), client: { relayed: 200 }, fate: { dropped: 'non_turn_request' } },
    sidecar: { exchange: turn({ path: '/v9/generate', responseBody: '{"ok":true}' }), client: { envoy: 'continue' }, fate: { dropped: 'non_turn_request' } },
    ingest: { post: envelope({ provider: 'bedrock' }), client: { status: 422, code: 'unknown_provider' }, fate: { refused: true } },
  },
  {
    name: 'non-turn endpoint: GET /v1/models',
    proxy: { exchange: { method: 'GET', path: '/v1/models', status: 200, responseContentType: 'application/json', responseBody: '{"data":[]}' }, client: { relayed: 200 }, fate: { dropped: 'non_turn_request' } },
    sidecar: { exchange: { method: 'GET', path: '/v1/models', status: 200, responseContentType: 'application/json', responseBody: '{"data":[]}' }, client: { envoy: 'continue' }, fate: { dropped: 'non_turn_request' } },
    ingest: { post: envelope({ path: '/v1/models', request_body: '', response_body: '{"data":[]}' }), client: { status: 422, code: 'unprocessable_turn' }, fate: { refused: true } },
  },
  {
    name: 'non-turn endpoint: POST /v1/messages/count_tokens',
    proxy: { exchange: turn({ path: '/v1/messages/count_tokens', responseBody: '{"input_tokens":12}' }), client: { relayed: 200 }, fate: { dropped: 'non_turn_request' } },
    sidecar: { exchange: turn({ path: '/v1/messages/count_tokens', responseBody: '{"input_tokens":12}' }), client: { envoy: 'continue' }, fate: { dropped: 'non_turn_request' } },
    ingest: { post: envelope({ path: '/v1/messages/count_tokens', response_body: '{"input_tokens":12}' }), client: { status: 422, code: 'unprocessable_turn' }, fate: { refused: true } },
  },
  ...[
    { status: 429, error: anthropicError('rate_limit_error', 'Number of requests has exceeded your rate limit') },
    { status: 500, error: anthropicError('api_error', 'Internal server error') },
  ].map(
    ({ status, error }): StatusCase => ({
      name: `upstream ${status}`,
      proxy: { exchange: turn({ status, responseBody: error }), client: { relayed: status }, fate: { dropped: 'upstream_status' } },
      sidecar: { exchange: turn({ status, responseBody: error }), client: { envoy: 'continue' }, fate: { dropped: 'upstream_status' } },
      // The sidecar never posts a non-200; a client that does is told it is not a turn.
      ingest: { post: envelope({ status, response_body: error }), client: { status: 422, code: 'unprocessable_turn' }, fate: { refused: true } },
    }),
  ),
  {
    name: 'oversize (over the capture cap / the body limit)',
    proxy: { exchange: turn({ requestBody: JSON.stringify({ ...oneShot.request, messages: [{ role: 'user', content: BIG_PROMPT }] }) }), client: { relayed: 200 }, fate: { dropped: 'request_over_budget' } },
    sidecar: {
      exchange: turn({ requestBody: JSON.stringify({ ...oneShot.request, messages: [{ role: 'user', content: BIG_PROMPT }] }) }),
      client: { envoy: 'continue' },
      fate: { dropped: 'request_over_budget' },
    },
    ingest: { post: envelope({ request_body: JSON.stringify({ ...oneShot.request, messages: [{ role: 'user', content: BIG_PROMPT.repeat(3) }] }) }), client: { status: 413, code: 'payload_too_large' }, fate: { refused: true } },
  },
  {
    name: 'auth failure (upstream key / ingest token)',
    // The proxy holds no credentials of its own: the provider's refusal is the agent's to see.
    proxy: { exchange: turn({ status: 401, responseBody: anthropicError('authentication_error', 'invalid x-api-key') }), client: { relayed: 401 }, fate: { dropped: 'upstream_status' } },
    sidecar: { exchange: turn(), ingestToken: 'wrong', client: { envoy: 'continue' }, fate: { dropped: 'ingest_auth' } },
    ingest: { post: { ...envelope(), auth: 'none' }, client: { status: 401, code: 'unauthorized' }, fate: { refused: true } },
  },
  {
    name: 'storage down',
    storageDown: true,
    proxy: { exchange: turn(), client: { relayed: 200 }, fate: { spooled: 'then stored' } },
    sidecar: { exchange: turn(), client: { envoy: 'continue' }, fate: { spooled: 'then stored' } },
    ingest: { post: envelope(), client: { status: 503, code: 'storage_unavailable', retryAfter: true }, fate: { refused: true } },
  },
];

/** A cell of the printed table: `429 relayed · dropped upstream_status`. */
export function describeExpectation(e: Expectation): string {
  const client = 'relayed' in e.client ? `${e.client.relayed} relayed` : 'envoy' in e.client ? 'CONTINUE' : `${e.client.status}${e.client.code ? ` ${e.client.code}` : ''}${e.client.retryAfter ? ' +Retry-After' : ''}`;
  const fate = 'stored' in e.fate ? `stored ${e.fate.stored}` : 'spooled' in e.fate ? 'spooled, then stored' : 'dropped' in e.fate ? `dropped ${e.fate.dropped}` : 'nothing stored';
  return `${client} · ${fate}${e.divergence ? ' †' : ''}`;
}
