import { Inject, Injectable } from '@nestjs/common';
import { isNodeHash } from '@tapes/merkle';
import type { Reducer } from '@tapes/capture';
import { REDUCERS, TapesError, TURN_STORE } from '@tapes/nest-kit';
import { InvalidCursorError, StorageUnavailableError, type SessionQuery, type TurnStore } from '@tapes/storage';
import type { z } from 'zod';
import {
  pageJson,
  searchHitJson,
  sessionDetailJson,
  sessionJson,
  statsJson,
  turnDetailJson,
  type PageJson,
  type SearchHitJson,
  type SessionDetailJson,
  type SessionJson,
  type StatsJson,
  type TurnDetailJson,
} from './api-shapes';
import type { pageQuerySchema, searchQuerySchema, sessionsQuerySchema, statsQuerySchema } from './query-schemas';
import { sessionDag, type SessionDagJson } from './session-dag';
import { decodeTurn, type TurnDecodedJson } from './turn-decoding';

/**
 * The one implementation of the read API (#14), behind both apps' routes: validated queries in,
 * snake_case JSON out, storage errors as the shared error codes (a bad cursor 400, storage away 503).
 */
@Injectable()
export class ReadService {
  constructor(
    @Inject(TURN_STORE) private readonly store: TurnStore,
    @Inject(REDUCERS) private readonly reducers: readonly Reducer[],
  ) {}

  async sessions(query: z.output<typeof sessionsQuerySchema>): Promise<PageJson<SessionJson>> {
    const q: SessionQuery = {};
    if (query.agent !== undefined) q.agent = query.agent;
    if (query.harness !== undefined) q.harness = query.harness;
    if (query.cwd !== undefined) q.cwd = query.cwd;
    if (query.model !== undefined) q.model = query.model;
    if (query.since !== undefined) q.since = query.since;
    if (query.until !== undefined) q.until = query.until;
    if (query.q !== undefined) q.text = query.q;
    if (query.sort !== undefined) q.sort = query.sort;
    if (query.limit !== undefined) q.limit = query.limit;
    if (query.cursor !== undefined) q.cursor = query.cursor;
    return pageJson(await this.guard(() => this.store.listSessions(q)), sessionJson);
  }

  async session(id: string): Promise<SessionDetailJson> {
    const session = await this.guard(() => this.store.getSession(id));
    if (!session) throw new TapesError('not_found', `session ${id} not found`);
    return sessionDetailJson(session, await this.guard(() => this.store.sessionTurns(id)));
  }

  /** The session's part of the DAG: its nodes with parents, forks and each thread's head (the Branches view). */
  async sessionDag(id: string): Promise<SessionDagJson> {
    const session = await this.guard(() => this.store.getSession(id));
    if (!session) throw new TapesError('not_found', `session ${id} not found`);
    const turns = await this.guard(() => this.store.sessionTurns(id));
    return this.guard(() => sessionDag(this.store, id, turns));
  }

  async deleteSession(id: string): Promise<{ deleted: { session_id: string; turns: number; nodes: number } }> {
    const result = await this.guard(() => this.store.deleteSession(id));
    if (!result) throw new TapesError('not_found', `session ${id} not found`);
    return { deleted: { session_id: id, ...result } };
  }

  async turn(id: string, bodies: boolean): Promise<TurnDetailJson> {
    const turn = await this.guard(() => this.store.getTurn(id, { bodies: true }));
    if (!turn) throw new TapesError('not_found', `turn ${id} not found`);
    const chain = turn.headHash ? await this.guard(() => this.store.ancestry(turn.headHash as string)) : null;
    const sizes = { request: turn.requestBody?.byteLength ?? null, response: turn.responseBody?.byteLength ?? null };
    return turnDetailJson(turn, chain ? [...chain.nodes].reverse() : [], sizes, bodies);
  }

  /** A turn decoded on the server: its request as its API reads it, its response body decoded and framed. */
  async decodedTurn(id: string): Promise<TurnDecodedJson> {
    const turn = await this.guard(() => this.store.getTurn(id, { bodies: true }));
    if (!turn) throw new TapesError('not_found', `turn ${id} not found`);
    return decodeTurn(turn, this.reducers);
  }

  /** A turn's body exactly as captured (the response still content-encoded), for a download. */
  async raw(id: string, part: 'request' | 'response'): Promise<{ bytes: Uint8Array; contentType: string; contentEncoding: string | undefined; turnId: string }> {
    const turn = await this.guard(() => this.store.getTurn(id, { bodies: true }));
    if (!turn) throw new TapesError('not_found', `turn ${id} not found`);
    const bytes = (part === 'request' ? turn.requestBody : turn.responseBody) ?? new Uint8Array();
    const contentType = part === 'request' ? 'application/json' : (turn.responseContentType ?? 'application/octet-stream');
    return { bytes, contentType, contentEncoding: part === 'response' ? turn.responseContentEncoding : undefined, turnId: turn.id };
  }

  async search(query: z.output<typeof searchQuerySchema>): Promise<PageJson<SearchHitJson>> {
    const options: { limit?: number; cursor?: string; session?: string } = {};
    if (query.limit !== undefined) options.limit = query.limit;
    if (query.cursor !== undefined) options.cursor = query.cursor;
    if (query.session !== undefined) options.session = query.session;
    return pageJson(await this.guard(() => this.store.search(query.q, options)), searchHitJson);
  }

  async stats(query: z.output<typeof statsQuerySchema>): Promise<StatsJson> {
    const options: { since?: Date; until?: Date } = {};
    if (query.since) options.since = query.since;
    if (query.until) options.until = query.until;
    return statsJson(await this.guard(() => this.store.stats(options)));
  }

  async nodes(query: z.output<typeof pageQuerySchema>) {
    return pageJson(await this.guard(() => this.store.listNodes(pageOptions(query))), (n) => n);
  }

  async heads(query: z.output<typeof pageQuerySchema>) {
    return pageJson(await this.guard(() => this.store.leaves(pageOptions(query))), (n) => n);
  }

  async node(hash: string) {
    assertHash(hash);
    const node = await this.guard(() => this.store.getNode(hash));
    if (!node) throw new TapesError('not_found', `node ${hash} not found`);
    return node;
  }

  /** The conversation up to `hash`, root first (the order a reader wants). */
  async ancestry(hash: string) {
    assertHash(hash);
    const chain = await this.guard(() => this.store.ancestry(hash));
    if (!chain) throw new TapesError('not_found', `node ${hash} not found`);
    return {
      head: hash,
      depth: chain.nodes.length,
      complete: chain.complete,
      ...(chain.missingParent ? { missing_parent: chain.missingParent } : {}),
      nodes: [...chain.nodes].reverse(),
    };
  }

  private async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new TapesError('invalid_cursor', err.message, { cause: err });
      if (err instanceof StorageUnavailableError) throw new TapesError('storage_unavailable', 'storage is unavailable; retry later', { cause: err, retryAfterSeconds: 2 });
      throw err;
    }
  }
}

function assertHash(hash: string): void {
  if (!isNodeHash(hash)) throw new TapesError('invalid_parameter', 'a node hash is 64 lowercase hex characters');
}

function pageOptions(query: z.output<typeof pageQuerySchema>): { agent?: string; limit?: number; cursor?: string } {
  const out: { agent?: string; limit?: number; cursor?: string } = {};
  if (query.agent) out.agent = query.agent;
  if (query.cursor) out.cursor = query.cursor;
  if (query.limit !== undefined) out.limit = query.limit;
  return out;
}
