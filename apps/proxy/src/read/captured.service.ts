import { Inject, Injectable } from '@nestjs/common';
import { TapesError, TURN_STORE } from '@tapes/nest-kit';
import { InvalidCursorError, StorageUnavailableError, type AncestryResult, type Page, type StoredNode, type TurnStore } from '@tapes/storage';
import { turnView, type TurnView } from './captured-view';

/** Reads what the proxy captured, for the `/_tapes/v1/*` routes; storage errors become API errors. */
@Injectable()
export class CapturedService {
  constructor(@Inject(TURN_STORE) private readonly store: TurnStore) {}

  async turn(idOrRequestId: string, withBodies: boolean): Promise<TurnView> {
    const turn = await this.read(() => this.store.getTurn(idOrRequestId, { bodies: withBodies }));
    if (!turn) throw new TapesError('not_found', `no turn with id or request id ${idOrRequestId}`);
    return turnView(turn, withBodies);
  }

  async node(hash: string): Promise<StoredNode> {
    const node = await this.read(() => this.store.getNode(hash));
    if (!node) throw new TapesError('not_found', `no node ${hash}`);
    return node;
  }

  async ancestry(hash: string, limit: number | undefined): Promise<AncestryResult> {
    const chain = await this.read(() => this.store.ancestry(hash, limit === undefined ? {} : { limit }));
    if (!chain) throw new TapesError('not_found', `no node ${hash}`);
    return chain;
  }

  heads(options: { agent?: string; limit?: number; cursor?: string }): Promise<Page<StoredNode>> {
    return this.read(() => this.store.leaves(options));
  }

  nodes(options: { agent?: string; limit?: number; cursor?: string }): Promise<Page<StoredNode>> {
    return this.read(() => this.store.listNodes(options));
  }

  private async read<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof StorageUnavailableError) throw new TapesError('storage_unavailable', 'storage is unavailable; captured turns are being spooled', { cause: err, retryAfterSeconds: 5 });
      if (err instanceof InvalidCursorError) throw new TapesError('invalid_cursor', err.message, { cause: err });
      throw err;
    }
  }
}
