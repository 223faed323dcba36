import type { SessionDetailJson, TurnDetailJson } from '@tapes/read-api';
import type { CliCommand, CommandContext } from '../cli-command';
import { CliError, EXIT } from '../exit-codes';
import { formatCost, formatDuration, formatTime, formatTokens } from '../io/format';
import { renderMessage, type MessageNode } from '../io/transcript';
import type { Source } from '../source/source';

/** `tapes show <session|turn>`: a session's transcript by thread, or one turn's conversation. */
export const showCommand: CliCommand = {
  name: 'show',
  configure(command) {
    command
      .summary('show a session’s transcript, or one turn')
      .description(
        'Show a session as a transcript: each thread (the main one, then subagents) in order, every message once, thinking marked ✻, tool calls ⚙ and results ↳, long output folded. ' +
          'Given a turn id (or request id), show that turn: its conversation up to its response, and what was captured.',
      )
      .argument('<id>', 'a session id, or a turn id / request id')
      .option('--full', 'unfold long tool output, tool input, thinking and system prompts')
      .addHelpText('after', '\nExamples:\n  tapes show 7b0e…            # a session\n  tapes show 0193…-turn-id    # one turn\n  tapes show 7b0e… --json     # the session and every turn’s new messages');
  },
  async run(context, { args, options }) {
    const id = args[0] as string;
    const source = await context.source();
    const full = options['full'] === true;
    let session: SessionDetailJson | undefined;
    try {
      session = await source.session(id);
    } catch (err) {
      if (!(err instanceof CliError) || err.exitCode !== EXIT.notFound) throw err;
    }
    if (session) return showSession(context, source, session, full);
    let turn: TurnDetailJson;
    try {
      turn = await source.turn(id);
    } catch (err) {
      if (err instanceof CliError && err.exitCode === EXIT.notFound) throw new CliError(EXIT.notFound, `no session or turn ${id} (${source.description})`, { hint: 'list them: tapes sessions' });
      throw err;
    }
    showTurn(context, turn, full);
  },
};

/** Each turn re-sends its history: print only the messages a turn adds, thread by thread. */
async function showSession(context: CommandContext, source: Source, session: SessionDetailJson, full: boolean): Promise<void> {
  const { out } = context;
  const c = out.color;
  const transcript: Array<{ turn_id: string; thread_id: string; messages: MessageNode[] }> = [];
  const seen = new Set<string>();
  if (!out.json) {
    out.line(c.bold(`session ${session.id}`) + (session.name ? ` ${c.cyan(session.name)}` : ''));
    const facts = [
      session.harness.id ? `${session.harness.id}${session.harness.version ? ` ${session.harness.version}` : ''}` : session.agent,
      session.cwd,
      `${formatTime(session.started_at)} UTC, ${formatDuration(session.duration_ms)}`,
      `${session.turn_count} turns`,
      `${formatTokens(session.tokens.total)} tokens`,
      formatCost(session.cost_usd),
      session.models.join(', '),
    ].filter(Boolean);
    out.line(c.dim(facts.join(' · ')));
  }
  for (const thread of session.threads) {
    if (!out.json) {
      out.line();
      out.line(thread.id === '' ? c.bold(c.underline('main thread')) : c.bold(c.underline(`thread ${thread.id}`)));
    }
    let previousHead: string | null = null;
    for (const summary of thread.turns) {
      if (context.signal.aborted) return;
      const turn = await source.turn(summary.id);
      const fresh = turn.messages.filter((m) => !seen.has(m.hash));
      for (const m of fresh) seen.add(m.hash);
      transcript.push({ turn_id: turn.id, thread_id: thread.id, messages: fresh });
      if (out.json) continue;
      const branched = previousHead !== null && !turn.messages.some((m) => m.hash === previousHead);
      out.line(c.dim(`── turn ${turn.id} · ${formatTime(turn.started_at)} · ${turn.model ?? '?'} · ${formatTokens(turn.tokens.total)} tokens${turn.outcome === 'complete' ? '' : ` · ${turn.outcome}`}`) + (branched ? c.yellow(' ↱ branches from an earlier message') : ''));
      for (const m of fresh) for (const line of renderMessage(m, { color: c, full })) out.line(line);
      if (turn.outcome !== 'complete') for (const d of turn.diagnostics) out.line(c.yellow(`  ! ${d.code}: ${d.detail}`));
      previousHead = turn.head_hash ?? previousHead;
    }
  }
  if (out.json) out.writeJson({ session, transcript });
}

function showTurn(context: CommandContext, turn: TurnDetailJson, full: boolean): void {
  const { out } = context;
  if (out.json) return void out.writeJson(turn);
  const c = out.color;
  out.line(c.bold(`turn ${turn.id}`) + c.dim(` (request ${turn.request_id})`));
  out.line(
    c.dim(
      [
        turn.session_id ? `session ${turn.session_id}${turn.thread_id ? ` thread ${turn.thread_id}` : ''}` : 'no session',
        `${turn.provider}${turn.api ? ` ${turn.api}` : ''}`,
        `${turn.method ?? ''} ${turn.path ?? ''} → ${turn.status ?? '?'}`.trim(),
        `${formatTime(turn.started_at)} UTC, ${formatDuration(turn.duration_ms)} (first byte ${formatDuration(turn.ttfb_ms)})`,
        `${formatTokens(turn.tokens.total)} tokens`,
        formatCost(turn.cost_usd),
      ].join(' · '),
    ),
  );
  const outcome = turn.outcome === 'complete' ? c.green(turn.outcome) : c.yellow(turn.outcome);
  out.line(`outcome ${outcome}${turn.head_hash ? c.dim(` head ${turn.head_hash}`) : ''}`);
  for (const d of turn.diagnostics) out.line(c.yellow(`  ! ${d.code}: ${d.detail}`));
  out.line();
  for (const m of turn.messages) for (const line of renderMessage(m, { color: c, full })) out.line(line);
}
