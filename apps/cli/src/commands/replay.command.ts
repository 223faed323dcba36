import { createDefaultReducers, PROVIDER_SPECS } from '@tapes/capture';
import { readSession, type ExportReader } from '@tapes/export';
import { REPLAY_TIMINGS, ReplayServer, type ReplayEvent, type ReplayTiming } from '@tapes/replay';
import type { CliCommand, CommandContext } from '../cli-command';
import { CliError, EXIT, usageError } from '../exit-codes';
import { createProgress } from '../io/progress';
import { choiceOption, stringOption } from '../options';

/**
 * `tapes replay <session>`: serves a captured session's responses as a mock upstream until Ctrl-C
 * (docs/replay.md). Point the agent or SDK at the printed base URL and the session runs again
 * offline, byte for byte and chunk for chunk.
 */
export const replayCommand: CliCommand = {
  name: 'replay',
  configure(command) {
    command
      .summary('serve a captured session as a mock upstream')
      .description(
        'Serve a captured session’s responses as a mock provider: a request whose body matches a captured turn (volatile fields such as Claude Code’s metadata.user_id, ' +
          'cache_control breakpoints and Codex’s prompt_cache_key ignored; docs/replay.md) gets that turn’s status, headers and bytes, chunk for chunk, ' +
          'with the recorded timing or as fast as possible; any other request a 404 naming the closest captured turn and what differed. Runs until Ctrl-C.',
      )
      .argument('<session>', 'the session id')
      .option('--listen <host:port>', 'where to listen (port 0: any free port)', '127.0.0.1:0')
      .option('--timing <timing>', `${REPLAY_TIMINGS.join(' | ')}: each chunk when it arrived, or at once`, 'recorded')
      .addHelpText(
        'after',
        '\nWith --json, stdout carries JSON lines: {"event":"listening",…} once, then one per request.\n\nExamples:\n  tapes replay 7b0e… --listen 127.0.0.1:9090\n  ANTHROPIC_BASE_URL=http://127.0.0.1:9090 claude -p "…"',
      );
  },
  async run(context, { args, options }) {
    const sessionId = args[0] as string;
    const timing = choiceOption('timing', options['timing'], REPLAY_TIMINGS) as ReplayTiming;
    const { host, port } = listenOption(stringOption(options['listen']) ?? '127.0.0.1:0');
    const source = await context.source();
    const progress = createProgress(context.out, 'reading turns');
    let total = 0;
    let read = 0;
    const reader: ExportReader = {
      session: async (id) => {
        const session = await source.session(id);
        total = session.turn_count;
        return session;
      },
      turn: async (id, opts) => {
        const turn = await source.turn(id, opts);
        progress.update(++read, Math.max(total, read));
        return turn;
      },
    };
    let session;
    try {
      session = await readSession(reader, sessionId, { bodies: true });
    } finally {
      progress.stop();
    }
    const log = eventLog(context);
    let server: ReplayServer;
    try {
      server = await ReplayServer.start({ turns: session.turns, reducers: createDefaultReducers(), timing, host, port, onEvent: log });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(EXIT.failure, `cannot listen on ${host}:${port}: ${code ?? (err as Error).message}`, { hint: code === 'EADDRINUSE' ? 'pick another port with --listen' : undefined });
    }
    context.onClose(() => server.close());
    const served = server.index.replies.length;
    if (served === 0) throw new CliError(EXIT.failure, `session ${sessionId} has no turn with stored bytes to replay`);
    if (context.out.json) {
      context.out.line(JSON.stringify({ event: 'listening', url: server.url, session: sessionId, turns: served, skipped: server.index.skipped, timing }));
    } else {
      const { note, errColor: c } = { note: context.out.note, errColor: context.out.errColor };
      note(`tapes: replaying session ${sessionId} (${served} turn${served === 1 ? '' : 's'}, timing ${timing}) at ${c.bold(server.url)}`);
      for (const skipped of server.index.skipped) note(c.yellow(`  turn ${skipped.turnId} cannot be replayed: ${skipped.reason}`));
      const env = PROVIDER_SPECS.flatMap((spec) => Object.entries(spec.agentEnv(server.url)).map(([k, v]) => `${k}=${v}`));
      note(`  point the agent at it: ${env.join('  ')}`);
      if (!isLoopback(host)) note(c.yellow(`  listening on ${host}: anyone who can reach it can read the captured responses`));
      note(c.dim('  Ctrl-C stops it'));
    }
    // Serve until Ctrl-C (the runner aborts the signal and answers 130, as a shell reports it).
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) return resolve();
      context.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  },
};

function eventLog(context: CommandContext): (event: ReplayEvent) => void {
  const { out } = context;
  const c = out.errColor;
  return (event) => {
    if (out.json) return out.line(JSON.stringify({ event: event.outcome, ...event, outcome: undefined }));
    const request = `${event.method} ${event.path}`;
    switch (event.outcome) {
      case 'served':
        return out.note(`${c.green('→')} ${request}: turn ${event.turnId} (${event.how === 'exact' ? 'exact match' : 'same conversation'}${event.repeat ? ', again' : ''}, ${event.chunks} chunk${event.chunks === 1 ? '' : 's'}${event.timed ? '' : ', untimed'})`);
      case 'miss': {
        const closest = event.closest;
        const where = closest ? `closest turn ${closest.turn_id}, differs at ${closest.differences.slice(0, 3).map((d) => d.path).join(', ')}` : 'nothing captured';
        return out.note(`${c.red('✗')} ${request}: no captured turn matches (${where}) → 404`);
      }
      default:
        return out.note(`${c.yellow('·')} ${request}: ${event.detail} → ${event.outcome === 'refused' ? 413 : 404}`);
    }
  };
}

/** `host:port`, `[::1]:port` or a bare port (on 127.0.0.1). */
function listenOption(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65_535) throw usageError(`--listen ${value}: expected host:port, e.g. 127.0.0.1:9090`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
