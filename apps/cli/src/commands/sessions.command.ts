import path from 'node:path';
import type { SessionJson } from '@tapes/read-api';
import type { CliCommand } from '../cli-command';
import { formatCost, formatDuration, formatTime, formatTokens, oneLine } from '../io/format';
import { renderTable, type Column } from '../io/table';
import { choiceOption, dateOption, intOption, stringOption } from '../options';
import type { SessionsQuery } from '../source/source';

const SORTS = ['start', 'end', 'cost', 'tokens'] as const;

/** `tapes sessions`: the read API's session list, as a table (or its JSON page with --json). */
export const sessionsCommand: CliCommand = {
  name: 'sessions',
  configure(command) {
    command
      .summary('list captured sessions, newest first')
      .description('List captured sessions with the read API’s filters (the same as GET /_tapes/v1/sessions).')
      .option('--agent <name>', 'only sessions of this agent name')
      .option('--harness <id>', 'only sessions of this harness (claude, codex, gemini, opencode, …)')
      .option('--cwd <dir>', 'only sessions run in this directory or below it (relative to here)')
      .option('--model <model>', 'only sessions with a turn answered by this model')
      .option('--since <when>', 'active at or after: 2026-11-30, 2026-11-30T10:00:00Z, or an age (30m, 12h, 7d)')
      .option('--until <when>', 'active at or before (same forms as --since)')
      .option('--search <text>', 'only sessions with a turn whose text matches (full-text)')
      .option('--sort <order>', `${SORTS.join(' | ')} (default start: newest first)`)
      .option('--limit <n>', 'how many (1–500, default 20)')
      .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
      .addHelpText('after', '\nExamples:\n  tapes sessions --harness claude --since 7d\n  tapes sessions --cwd . --sort cost --json');
  },
  async run(context, { options }) {
    const cwd = stringOption(options['cwd']);
    const query: SessionsQuery = {
      agent: stringOption(options['agent']),
      harness: stringOption(options['harness']),
      cwd: cwd === undefined ? undefined : path.resolve(context.cwd, cwd),
      model: stringOption(options['model']),
      since: dateOption('since', options['since']),
      until: dateOption('until', options['until']),
      q: stringOption(options['search']),
      sort: choiceOption('sort', options['sort'], SORTS),
      limit: intOption('limit', options['limit'], { min: 1, max: 500 }) ?? 20,
      cursor: stringOption(options['cursor']),
    };
    const source = await context.source();
    const page = await source.sessions(query);
    const { out } = context;
    if (out.json) return void out.writeJson(page);
    if (page.items.length === 0) {
      out.note(`no sessions${hasFilter(query) ? ' match' : ' yet'} (${source.description})`);
      return;
    }
    const c = out.color;
    const columns: Column<SessionJson>[] = [
      { header: 'SESSION', value: (s) => c.cyan(s.id) },
      { header: 'STARTED (UTC)', value: (s) => formatTime(s.started_at) },
      { header: 'TOOK', value: (s) => formatDuration(s.duration_ms), align: 'right' },
      { header: 'HARNESS', value: (s) => s.harness.id ?? s.agent ?? '–' },
      { header: 'TURNS', value: (s) => turnsCell(s, c.yellow), align: 'right' },
      { header: 'TOKENS', value: (s) => formatTokens(s.tokens.total), align: 'right' },
      { header: 'COST', value: (s) => formatCost(s.cost_usd), align: 'right' },
      { header: 'WHAT', value: (s) => oneLine(s.name ?? s.first_prompt ?? s.cwd ?? '', 200), flex: true },
    ];
    out.line(renderTable(page.items, columns, out.columns, c.bold));
    if (page.next_cursor) out.note(c.dim(`more: tapes sessions --cursor ${page.next_cursor}`));
  },
};

/** Turns, with the ones not fully reduced flagged (they are what `tapes rederive` may fix). */
function turnsCell(s: SessionJson, warn: (text: string) => string): string {
  const incomplete = s.outcomes.partial + s.outcomes.unreduced;
  return incomplete ? `${s.turn_count} ${warn(`(${incomplete} partial)`)}` : String(s.turn_count);
}

function hasFilter(query: SessionsQuery): boolean {
  return Object.entries(query).some(([key, value]) => key !== 'limit' && key !== 'sort' && value !== undefined);
}
