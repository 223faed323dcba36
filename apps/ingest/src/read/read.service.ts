import { Inject, Injectable } from '@nestjs/common';
import { isNodeHash } from '@tapes/merkle';
import { TapesError } from '@tapes/nest-kit';
import { InvalidCursorError, StorageUnavailableError, type TurnStore } from '@tapes/storage';
import { TURN_STORE } from '@tapes/nest-kit';

export interface PageQuery {
  agent?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
}

/** What a user needs to look at captured data: nodes, conversations, heads, raw turns. */
@Injectable()
export class ReadService {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}

  async listNodes(query: PageQuery) {
    const page = await this.guard(() => this.store.listNodes(pageOptions(query)));
    return { count: page.items.length, nodes: page.items, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
  }

  async heads(query: PageQuery) {
    const page = await this.guard(() => this.store.leaves(pageOptions(query)));
    return { count: page.items.length, heads: page.items, ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}) };
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

  async turn(id: string) {
    const turn = await this.guard(() => this.store.getTurn(id));
    if (!turn) throw new TapesError('not_found', `turn ${id} not found`);
    return turn;
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
  if (!isNodeHash(hash)) throw new TapesError('malformed_envelope', 'a node hash is 64 lowercase hex characters');
}

function pageOptions(query: PageQuery): { agent?: string; limit?: number; cursor?: string } {
  const out: { agent?: string; limit?: number; cursor?: string } = {};
  if (query.agent) out.agent = query.agent;
  if (query.cursor) out.cursor = query.cursor;
  if (query.limit !== undefined) {
    const limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new TapesError('malformed_envelope', 'limit must be an integer from 1 to 500');
    out.limit = limit;
  }
  return out;
}
