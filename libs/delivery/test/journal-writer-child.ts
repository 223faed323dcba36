// Test child for journal.spec.ts: appends forever, printing each id once its append resolved,
// until the parent kills it with SIGKILL.
import { Journal } from '../src/lib/journal/journal';

async function main(): Promise<void> {
  const journal = await Journal.open({ dir: process.argv[2]!, maxBytes: 1 << 28 });
  for (let i = 0; ; i++) {
    const receipts = await Promise.all(Array.from({ length: 8 }, (_, k) => journal.append(Buffer.alloc(512 + ((i * 8 + k) % 4096), k))));
    process.stdout.write(receipts.map((r) => `${r.id}\n`).join(''));
  }
}

void main();
