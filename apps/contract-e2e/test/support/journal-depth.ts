import { Journal } from '@tapes/delivery';

/** Turns a stopped app left waiting in its journal directory (captured, not yet confirmed stored). */
export async function journalDepth(dir: string): Promise<number> {
  return (await Journal.inspect(dir)).depth;
}
