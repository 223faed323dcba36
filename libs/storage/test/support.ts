import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResponse, Message, Usage } from '@tapes/llm';
import { turnNodes, type Node } from '@tapes/merkle';
import { createTestPostgres, createTestSqlite, eventually, takePostgresOffline, lockSqliteForWrites } from '@tapes/testing';
import type pg from 'pg';
import type { TurnRecord } from '@tapes/capture';
import { openStorage, type Backend, type TurnStore } from '../src';

/** One test database of a backend: its URL, a way to take it offline, and teardown. */
export interface TestDatabase {
  url: string;
  /** The server URL for a PostgreSQL shadow database (migration diffs); undefined for SQLite. */
  adminUrl?: string;
  /** Makes the database unusable until the returned function is called. */
  outage(): Promise<() => Promise<void>>;
  teardown(): Promise<void>;
}

export interface BackendCase {
  name: string;
  backend: Backend;
  create(): Promise<TestDatabase>;
}

/** The two backends every repository and migration test runs on (style: describe.each(backends)). */
export const backends: BackendCase[] = [
  {
    name: 'SQLite',
    backend: 'sqlite',
    async create() {
      const db = createTestSqlite();
      return {
        url: db.path,
        async outage() {
          const lock = lockSqliteForWrites(db.path);
          return async () => lock.release();
        },
        teardown: async () => db.cleanup(),
      };
    },
  },
  {
    name: 'PostgreSQL',
    backend: 'postgresql',
    async create() {
      const db = await createTestPostgres();
      return {
        url: db.url,
        adminUrl: db.adminUrl,
        async outage() {
          const outage = await takePostgresOffline(db.url);
          return () => outage.restore();
        },
        teardown: () => db.drop(),
      };
    },
  },
];

/**
 * A fresh database of one backend with a store open on it for the whole suite (opened in beforeAll,
 * closed and thrown away in afterAll): `suite.store` inside the tests.
 */
export function suiteStore(create: BackendCase['create']): { readonly store: TurnStore } {
  let db: TestDatabase | undefined;
  let store: TurnStore | undefined;
  beforeAll(async () => {
    db = await create();
    store = await openStorage({ url: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.teardown();
  });
  return {
    get store(): TurnStore {
      if (!store) throw new Error('the suite store is opened in beforeAll');
      return store;
    },
  };
}

export const USAGE: Usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

const text = (role: string, t: string): Message => ({ role, content: [{ type: 'text', text: t }] });

/**
 * The nodes of a chat turn through libs/merkle (ref §1.4): one node per request message, then the
 * response carrying usage and stop reason.
 */
export function chatNodes(
  messages: Array<[role: string, text: string]>,
  reply: string,
  options: { agent?: string; model?: string; provider?: string; usage?: Usage; project?: string } = {},
): Node[] {
  const request: ChatRequest = { model: options.model ?? 'test-model', messages: messages.map(([r, t]) => text(r, t)) };
  const response: ChatResponse = {
    model: options.model ?? 'test-model',
    message: text('assistant', reply),
    done: true,
    stop_reason: 'end_turn',
    usage: options.usage ?? USAGE,
    diagnostics: [],
  };
  return turnNodes(request, response, {
    provider: options.provider ?? 'anthropic',
    agentName: options.agent,
    project: options.project,
  });
}

/** A turn record around `nodes`, with a fresh requestId unless given. */
export function turnRecord(nodes: Node[], overrides: Partial<TurnRecord> = {}): TurnRecord {
  return {
    requestId: `req-${randomUUID()}`,
    provider: nodes[0]?.bucket.provider ?? 'anthropic',
    api: 'anthropic.messages',
    agentName: nodes[0]?.bucket.agent_name,
    captureSite: 'proxy',
    method: 'POST',
    path: '/v1/messages',
    status: 200,
    requestHeaders: { 'content-type': 'application/json', 'x-multi': ['a', 'b'] },
    requestBody: Buffer.from('{"model":"test-model"}'),
    responseHeaders: { 'content-type': 'text/event-stream' },
    responseBody: Buffer.from('event: message_start\ndata: {}\n\n'),
    responseContentType: 'text/event-stream',
    outcome: 'complete',
    nodes,
    ...overrides,
  };
}

/** A unique agent name, so tests sharing one database can count and page their own nodes. */
export function agentName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Waits until another session of `client`'s database is blocked waiting for a lock (`wait_event`
 * `relation` for a table lock, `advisory` for pg_advisory_lock). Tests that need a statement stuck
 * behind a lock wait for that, never for a fixed delay: on a loaded machine 100–200 ms passed before
 * the statement reached the lock, and the test saw a different failure (#10).
 */
export async function untilWaitingOnLock(client: pg.Client, waitEvent: 'relation' | 'advisory'): Promise<void> {
  await eventually(`a session waiting on a ${waitEvent} lock`, async () => {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event = $1`,
      [waitEvent],
    );
    return rows[0]!.n > 0 ? true : undefined;
  });
}
