import { existsSync, readdirSync } from 'node:fs';

/** Items a stopped app left in its spool directory (@tapes/delivery's `<16 digits>.spool` files). */
export function spoolFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir).filter((name) => /^\d{16}\.spool$/.test(name)).length;
}
