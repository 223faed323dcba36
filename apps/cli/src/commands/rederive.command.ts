import { createDefaultReducers } from '@tapes/capture';
import { InvalidTurnError, rederiveStoredTurn, type TurnStore } from '@tapes/storage';
import type { CliCommand, CommandContext } from '../cli-command';
import { EXIT } from '../exit-codes';
import { createProgress } from '../io/progress';
import { describeStore } from '../open-store';
import { dateOption } from '../options';
import { clearCheckpoint, readCheckpoint, writeCheckpoint } from '../rederive/checkpoint';
import { emptyReport, tally, type RederiveReport } from '../rederive/rederive-report';

/** Turn ids fetched per page, and turns between two checkpoints. */
const PAGE = 1_000;
const CHECKPOINT_EVERY = 50;

/**
 * `tapes rederive`: every stored turn reduced again from its raw bytes with this build's reducers
 * (libs/capture toTurnRecord over the turn rebuilt by storedTurnToCaptured), its derivation replaced
 * where it differs (TurnStore.rederiveTurn: one transaction per turn, both backends).
 */
export const rederiveCommand: CliCommand = {
  name: 'rederive',
  configure(command) {
    command
      .summary('re-reduce stored turns with the current reducers; backfills sessions')
      .description(
        'Re-derive every stored turn (or those since --since) from its raw request and response bytes with this build’s reducers, and replace what changed: ' +
          'nodes, outcome, diagnostics, session, model, tokens, cost, search text. After a reducer fix, unreduced or partial turns can become complete. ' +
          'Turns stored before sessions existed get their session (the backfill). Idempotent (a second run changes nothing) and resumable: ' +
          'an interrupted run continues from its checkpoint (<data-dir>/rederive.checkpoint.json) unless --restart.',
      )
      .option('--since <when>', 'only turns started at or after: 2026-11-30, 2026-11-30T10:00:00Z, or an age (12h, 7d)')
      .option('--dry-run', 'report what would change; write nothing')
      .option('--restart', 'ignore a checkpoint left by an interrupted run')
      .addHelpText('after', '\nExamples:\n  tapes rederive --dry-run\n  tapes rederive --since 7d --json');
  },
  async run(context, { options }) {
    const since = dateOption('since', options['since']);
    const dryRun = options['dryRun'] === true;
    const store = await context.store();
    const where = describeStore(context.settings);
    const report = emptyReport(dryRun, since);
    const checkpoint = dryRun || options['restart'] === true ? undefined : await readCheckpoint(context.settings.dataDir, where, since);
    if (checkpoint) report.resumed_after = checkpoint.after;
    const save = (after: string, done: number) =>
      writeCheckpoint(context.settings.dataDir, { store: where, since: since?.toISOString() ?? null, after, done: (checkpoint?.done ?? 0) + done, startedAt: checkpoint?.startedAt ?? new Date().toISOString() });

    const ids = await allTurnIds(store, since, checkpoint?.after, context.signal);
    const progress = createProgress(context.out, dryRun ? 'checking' : 'rederiving');
    const reducers = createDefaultReducers();
    let finished = 0;
    try {
      for (const id of ids) {
        if (context.signal.aborted) break;
        await rederiveOne(store, id, reducers, dryRun, report);
        finished += 1;
        progress.update(finished, ids.length, { changed: report.changed ? `· ${report.changed} changed` : '' });
        if (!dryRun && finished % CHECKPOINT_EVERY === 0) await save(id, finished);
      }
    } finally {
      progress.stop();
    }
    if (finished < ids.length) {
      const last = ids[finished - 1];
      if (!dryRun && last) await save(last, finished);
      context.out.note(`tapes: interrupted after ${finished} of ${ids.length} turns; run it again to continue`);
      return EXIT.interrupted;
    }
    if (!dryRun) await clearCheckpoint(context.settings.dataDir);
    print(context, report, where);
    return report.failed > 0 ? EXIT.failure : EXIT.ok;
  },
};

async function allTurnIds(store: TurnStore, since: Date | undefined, after: string | undefined, signal: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  let cursor = after;
  for (;;) {
    if (signal.aborted) return ids;
    const page = await store.listTurnIds({ ...(since ? { since } : {}), ...(cursor ? { after: cursor } : {}), limit: PAGE });
    ids.push(...page);
    if (page.length < PAGE) return ids;
    cursor = page[page.length - 1];
  }
}

async function rederiveOne(store: TurnStore, id: string, reducers: ReturnType<typeof createDefaultReducers>, dryRun: boolean, report: RederiveReport): Promise<void> {
  try {
    // Null: deleted since the walk began (retention, DELETE sessions/:id).
    const result = await rederiveStoredTurn(store, id, reducers, { dryRun });
    if (result) tally(report, result);
  } catch (err) {
    // A turn the store refuses stays as it was and the run goes on; anything else (storage gone) ends it.
    if (!(err instanceof InvalidTurnError)) throw err;
    report.scanned += 1;
    report.failed += 1;
    report.errors.push({ turn_id: id, message: err.message });
  }
}

function print(context: CommandContext, report: RederiveReport, where: string): void {
  const { out } = context;
  if (out.json) return void out.writeJson(report);
  const c = out.color;
  const verb = report.dry_run ? 'would change' : 'changed';
  out.line(`${c.bold(`${report.scanned} turns`)} re-derived from their raw bytes (${where})${report.resumed_after ? c.dim(` — resumed after ${report.resumed_after}`) : ''}`);
  out.line(`  ${report.changed ? c.yellow(`${report.changed} ${verb}`) : c.green(`0 ${verb}`)}, ${report.unchanged} unchanged${report.failed ? `, ${c.red(`${report.failed} failed`)}` : ''}`);
  for (const [move, n] of Object.entries(report.outcomes)) out.line(`  outcome ${move}: ${n}`);
  if (report.head_changes) out.line(`  head hash changed: ${report.head_changes}`);
  if (report.backfilled) out.line(`  sessions backfilled (turns stored before sessions existed): ${report.backfilled}`);
  if (report.session_changes) out.line(`  moved to another session: ${report.session_changes}`);
  for (const turn of report.turns.slice(0, 20)) {
    const b = turn.before;
    const a = turn.after;
    const parts = [
      b.outcome !== a.outcome ? `${b.outcome} → ${a.outcome}` : '',
      b.headHash !== a.headHash ? `head ${short(b.headHash)} → ${short(a.headHash)}` : '',
      b.sessionId !== a.sessionId ? `session ${b.sessionId ?? '∅'} → ${a.sessionId ?? '∅'}` : '',
    ].filter(Boolean);
    out.line(c.dim(`  ${turn.turn_id}  ${parts.join(' · ') || turn.changed.join(', ')}`));
  }
  if (report.turns.length > 20) out.line(c.dim(`  … ${report.turns.length - 20} more (--json lists them all)`));
  for (const error of report.errors.slice(0, 10)) out.line(c.red(`  ${error.turn_id}: ${error.message}`));
}

function short(hash: string | null): string {
  return hash ? hash.slice(0, 12) : '∅';
}
