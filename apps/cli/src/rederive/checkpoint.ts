import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Where an interrupted `tapes rederive` resumes: the last turn id it finished (turn ids are uuidv7,
 * walked in order), for one store and one `--since`. Written every few turns, atomically; removed
 * when the run completes.
 */
export interface Checkpoint {
  store: string;
  since: string | null;
  after: string;
  done: number;
  startedAt: string;
}

export const CHECKPOINT_FILE = 'rederive.checkpoint.json';

export async function readCheckpoint(dataDir: string, store: string, since: Date | undefined): Promise<Checkpoint | undefined> {
  try {
    const saved = JSON.parse(await fs.readFile(path.join(dataDir, CHECKPOINT_FILE), 'utf8')) as Checkpoint;
    const sameRun = saved.store === store && saved.since === (since?.toISOString() ?? null) && typeof saved.after === 'string';
    return sameRun ? saved : undefined;
  } catch {
    return undefined;
  }
}

export async function writeCheckpoint(dataDir: string, checkpoint: Checkpoint): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, CHECKPOINT_FILE);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(checkpoint), { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}

export async function clearCheckpoint(dataDir: string): Promise<void> {
  await fs.rm(path.join(dataDir, CHECKPOINT_FILE), { force: true });
}
