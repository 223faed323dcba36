import type { CaptureSite } from '@tapes/capture';
import type { TurnFixture } from '@tapes/testing';
import { disposeWorkdirs, ingestProcess, proxyProcess, sidecarProcess } from './capture-apps';
import type { AppProcess } from './app-process';
import { EnvoyClient, envoySequence } from '@tapes/testing/envoy';
import { sidecarProtoPath } from './app-bundles';
import { SiteDatabase, type DatabaseKind } from './site-database';
import { eventually, MockUpstream, pieces, send, writeInPieces } from '@tapes/testing';

/** One row of the capture matrix: a fixture turn as a provider sent it, plain or gzip-encoded. */
export interface MatrixRow {
  name: string;
  fixture: TurnFixture;
  encoding: 'identity' | 'gzip';
  /** Unique per row and the same at every site: it is hashed into every node (bucket agent_name). */
  agent: string;
  /** The request bytes the client sent (the fixture's request JSON). */
  request: Buffer;
  /** The response body before content encoding (what the reducers see). */
  plain: Buffer;
  /** The response bytes on the wire: `plain`, or its gzip encoding. */
  wire: Buffer;
}

export type ColumnId = 'proxy' | 'sidecar' | 'sidecar-observability' | 'ingest-raw' | 'ingest-parsed';

/** One capture site as a column of the matrix, with a database of its own. */
export interface CaptureColumn {
  id: ColumnId;
  /** `proxy → PostgreSQL` */
  label: string;
  /** The capture_site the stored turn must name. */
  site: CaptureSite;
  database: SiteDatabase;
  /** What the site is given, and so what it must store verbatim as the response body. */
  stores: 'wire bytes' | 'parsed JSON';
  /**
   * Sends the row's turn through the site as its client would and checks what that client sees
   * (the proxy relays the exact bytes; Envoy gets its replies; ingest answers 202). Resolves once
   * the site has stored the turn.
   */
  capture(row: MatrixRow): Promise<void>;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Turns reach the database after the client is answered (proxy, sidecar): wait for the row. */
async function storedTurnOf(database: SiteDatabase, agent: string, site: string): Promise<void> {
  await eventually(`${site} to store the turn of ${agent}`, async () => ((await database.requestIdsOfAgent(agent)).length > 0 ? true : undefined), { timeoutMs: 15_000 });
}

function responseHeaders(row: MatrixRow): Record<string, string> {
  return {
    ...(row.fixture.contentType ? { 'content-type': row.fixture.contentType } : {}),
    ...(row.encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
  };
}

/**
 * Whether a column can carry a row. Only the parsed (#192) form is limited: it posts provider JSON,
 * which exists for a one-shot, complete body only (a stream or a gzip body is bytes).
 */
export function columnApplies(id: ColumnId, row: MatrixRow): boolean {
  return id !== 'ingest-parsed' || (!row.fixture.streamed && row.fixture.complete && row.encoding === 'identity');
}

async function postTurn(ingest: AppProcess, envelope: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${ingest.url}/v1/ingest`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(envelope) });
  const body = await response.text();
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${body}`);
}

export interface CaptureColumns {
  columns: CaptureColumn[];
  dispose(): Promise<void>;
}

/**
 * Starts every column: the proxy before a mock upstream, two sidecars (normal mode and
 * observability mode) each posting to an ingest of its own, and two ingests posted to directly.
 * Every site writes to its own database, so no site can borrow another's nodes through dedup;
 * PostgreSQL and SQLite are both among them.
 */
const SIDECAR_TOKEN = 'contract-sidecar-ingest-token-0123456789';

export async function startCaptureColumns(): Promise<CaptureColumns> {
  const kinds: Record<ColumnId, DatabaseKind> = {
    proxy: 'postgresql',
    sidecar: 'postgresql',
    'sidecar-observability': 'sqlite',
    'ingest-raw': 'postgresql',
    'ingest-parsed': 'sqlite',
  };
  const ids = Object.keys(kinds) as ColumnId[];
  const databases = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await SiteDatabase.create(kinds[id])] as const))) as Record<ColumnId, SiteDatabase>;
  const upstream = await MockUpstream.start();
  const proxy = await proxyProcess({ upstream: upstream.url, databaseUrl: databases.proxy.url });
  // A sidecar and its ingest share INGEST_TOKEN, as deployed: only a proved sidecar's turn is stored as captured by `sidecar` (#13).
  const sidecarIngest = await ingestProcess({ label: "ingest (the sidecar's)", databaseUrl: databases.sidecar.url, token: SIDECAR_TOKEN });
  const observabilityIngest = await ingestProcess({ label: "ingest (the observability sidecar's)", databaseUrl: databases['sidecar-observability'].url, token: SIDECAR_TOKEN });
  const rawIngest = await ingestProcess({ label: 'ingest (raw posts)', databaseUrl: databases['ingest-raw'].url });
  const parsedIngest = await ingestProcess({ label: 'ingest (parsed posts)', databaseUrl: databases['ingest-parsed'].url });
  const sidecar = await sidecarProcess({ ingestUrl: sidecarIngest.url, token: SIDECAR_TOKEN });
  const observabilitySidecar = await sidecarProcess({ label: 'sidecar (observability mode)', ingestUrl: observabilityIngest.url, token: SIDECAR_TOKEN });
  const processes: AppProcess[] = [proxy, sidecarIngest, observabilityIngest, rawIngest, parsedIngest, sidecar, observabilitySidecar];
  const envoys: EnvoyClient[] = [];

  const dispose = async () => {
    for (const envoy of envoys) envoy.close();
    await Promise.all(processes.map((p) => p.stop()));
    await upstream.close();
    await Promise.all(Object.values(databases).map((d) => d.dispose()));
    await disposeWorkdirs();
  };

  try {
    // Ingests first: a sidecar must find its ingest when the first turn is delivered.
    await Promise.all([sidecarIngest, observabilityIngest, rawIngest, parsedIngest].map((p) => p.start()));
    await Promise.all([proxy, sidecar, observabilitySidecar].map((p) => p.start()));
  } catch (err) {
    await dispose();
    throw err;
  }

  const throughSidecar = (app: typeof sidecar, observability: boolean) => {
    const envoy = new EnvoyClient(app.grpcPort, sidecarProtoPath());
    envoys.push(envoy);
    return async (row: MatrixRow, database: SiteDatabase) => {
      const messages = envoySequence(
        {
          path: row.fixture.path,
          requestHeaders: { ...JSON_HEADERS, 'x-request-id': `${row.agent}#${observability ? 'obs' : 'normal'}`, 'x-tapes-agent-name': row.agent, authorization: 'Bearer sk-e2e-secret' },
          requestChunks: pieces(row.request, 2),
          status: 200,
          responseHeaders: responseHeaders(row),
          responseChunks: pieces(row.wire, 7),
        },
        { observabilityMode: observability },
      );
      const played = await envoy.play(messages);
      // Normal mode: one CONTINUE of the matching case per message, and nothing else.
      if (JSON.stringify(played.replies) !== JSON.stringify(observability ? [] : messages.map((m) => m.request))) {
        throw new Error(`Envoy got replies ${JSON.stringify(played.replies)} for ${messages.length} messages`);
      }
      await storedTurnOf(database, row.agent, app.label);
    };
  };
  const normalSidecar = throughSidecar(sidecar, false);
  const observingSidecar = throughSidecar(observabilitySidecar, true);

  const columns: CaptureColumn[] = [
    {
      id: 'proxy',
      label: `proxy → ${kinds.proxy}`,
      site: 'proxy',
      database: databases.proxy,
      stores: 'wire bytes',
      capture: async (row) => {
        upstream.handle(async (_req, res) => {
          res.writeHead(200, responseHeaders(row));
          await writeInPieces(res, row.fixture.streamed ? pieces(row.wire, 7) : [row.wire]);
        });
        const res = await send(`${proxy.url}${row.fixture.path}`, {
          method: 'POST',
          headers: { ...JSON_HEADERS, 'accept-encoding': 'gzip', 'x-tapes-agent-name': row.agent, authorization: 'Bearer sk-e2e-secret' },
          body: row.request,
        });
        // Forwarding first: the agent gets the upstream's status and exact bytes, still encoded.
        if (res.status !== 200 || res.error || !res.body.equals(row.wire) || res.headers['content-encoding'] !== (row.encoding === 'gzip' ? 'gzip' : undefined)) {
          throw new Error(`the proxy did not relay the upstream response exactly (status ${res.status}, ${res.body.length} of ${row.wire.length} bytes${res.error ? `, ${res.error.message}` : ''})`);
        }
        await storedTurnOf(databases.proxy, row.agent, proxy.label);
      },
    },
    {
      id: 'sidecar',
      label: `sidecar (normal mode) → ingest → ${kinds.sidecar}`,
      site: 'sidecar',
      database: databases.sidecar,
      stores: 'wire bytes',
      capture: (row) => normalSidecar(row, databases.sidecar),
    },
    {
      id: 'sidecar-observability',
      label: `sidecar (observability mode) → ingest → ${kinds['sidecar-observability']}`,
      site: 'sidecar',
      database: databases['sidecar-observability'],
      stores: 'wire bytes',
      capture: (row) => observingSidecar(row, databases['sidecar-observability']),
    },
    {
      id: 'ingest-raw',
      label: `ingest, raw post → ${kinds['ingest-raw']}`,
      site: 'ingest',
      database: databases['ingest-raw'],
      stores: 'wire bytes',
      capture: (row) =>
        postTurn(rawIngest, {
          provider: row.fixture.provider,
          path: row.fixture.path,
          agent_name: row.agent,
          request_id: `${row.agent}#raw`,
          request_body_base64: row.request.toString('base64'),
          response_body_base64: row.wire.toString('base64'),
          ...(row.fixture.contentType ? { response_content_type: row.fixture.contentType } : {}),
          ...(row.encoding === 'gzip' ? { response_content_encoding: 'gzip' } : {}),
        }),
    },
    {
      id: 'ingest-parsed',
      label: `ingest, parsed post → ${kinds['ingest-parsed']}`,
      site: 'ingest',
      database: databases['ingest-parsed'],
      stores: 'parsed JSON',
      capture: (row) =>
        postTurn(parsedIngest, {
          provider: row.fixture.provider,
          path: row.fixture.path,
          agent_name: row.agent,
          request_id: `${row.agent}#parsed`,
          request: row.fixture.request,
          response: JSON.parse(row.plain.toString('utf8')) as unknown,
        }),
    },
  ];
  return { columns, dispose };
}
