import type { CliCommand } from '../cli-command';
import { formatTime } from '../io/format';
import { intOption, stringOption } from '../options';

/** `tapes search <text>`: full-text search over what turns brought into the DAG. */
export const searchCommand: CliCommand = {
  name: 'search',
  configure(command) {
    command
      .summary('find turns by their text')
      .description('Full-text search over message text, tool input and tool output (every word must occur).')
      .argument('<text...>', 'the words to find')
      .option('--session <id>', 'only within this session')
      .option('--limit <n>', 'how many hits (1–500, default 20)')
      .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
      .addHelpText('after', '\nExamples:\n  tapes search migration lock\n  tapes search "TypeError" --session 4f1c… --json');
  },
  async run(context, { args, options }) {
    const words = (args[0] as string[]).join(' ');
    const source = await context.source();
    const page = await source.search({
      q: words,
      session: stringOption(options['session']),
      limit: intOption('limit', options['limit'], { min: 1, max: 500 }) ?? 20,
      cursor: stringOption(options['cursor']),
    });
    const { out } = context;
    if (out.json) return void out.writeJson(page);
    const c = out.color;
    if (page.items.length === 0) {
      out.note(`nothing matches “${words}” (${source.description})`);
      return;
    }
    for (const hit of page.items) {
      // The store marks matches with [ ]; bold them where colours are on.
      const snippet = hit.snippet.replace(/\s+/g, ' ').replace(/\[([^\]]*)\]/g, (_m, word: string) => (c.isColorSupported ? c.bold(c.yellow(word)) : `[${word}]`));
      out.line(`${c.dim(formatTime(hit.started_at))}  ${c.cyan(`turn ${hit.turn_id}`)}${hit.session_id ? c.dim(`  session ${hit.session_id}`) : ''}`);
      out.line(`  ${snippet}`);
    }
    if (page.next_cursor) out.note(c.dim(`more: tapes search ${JSON.stringify(words)} --cursor ${page.next_cursor}`));
  },
};
