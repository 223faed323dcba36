import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Option } from 'commander';
import { encodeSessionEnvelope } from '@tapes/capture';
import { AGENTS } from '../agents';
import type { CliCommand } from '../cli-command';
import { usageError } from '../exit-codes';
import { describeStore } from '../open-store';
import { ensureProxy } from '../proxy/proxy-daemon';
import { runAgent } from '../run-agent';
import { stringOption } from '../options';

/**
 * `tapes start <agent> [-- args]`: the agent, pointed at a proxy (started or reused), with a fresh
 * session named in the X-Tapes envelope. tapes stays out of the way: the agent gets the terminal,
 * stdin, stdout and stderr as they are, and tapes exits with the agent's exit code. tapes itself
 * writes to stderr only, and only before the agent starts (starting a proxy, a set-up warning) and
 * after it exits (where to see the session).
 */
export const startCommand: CliCommand = {
  name: 'start',
  ownsSignals: true,
  configure(command) {
    command
      .summary('run an agent through tapes: claude, codex, gemini or opencode')
      .description(
        'Start (or reuse) a capture proxy on a free loopback port, then run the agent pointed at it with a fresh session. ' +
          'Everything after the agent’s name goes to the agent unchanged (use -- to be explicit). tapes exits with the agent’s exit code.',
      )
      .addOption(new Option('--name <name>', 'a name for the session (shown by `tapes sessions`)'))
      .option('--session <id>', 'the session id to record under (default: a fresh UUID)')
      .option('--quiet', 'print nothing after the agent exits')
      .argument('<agent>', AGENTS.map((a) => a.id).join(' | '))
      .argument('[args...]', 'the agent’s own arguments')
      .passThroughOptions()
      .addHelpText('after', `\nHow each agent is pointed at tapes (its own mechanism; none of its files are changed):\n${AGENTS.map((a) => `  ${a.id.padEnd(9)}${a.how}`).join('\n')}\n\nExamples:\n  tapes start claude\n  tapes start --name "fix flaky test" codex -- exec "run the tests"\n  tapes start gemini -- -p "explain this repo" --skip-trust`);
  },
  async run(context, { args, options }) {
    const [agentName, given = []] = args as [string, string[] | undefined];
    // `tapes start claude -- -p hi`: that first `--` is tapes' separator, not the agent's argument.
    const agentArgs = given[0] === '--' ? given.slice(1) : given;
    const agent = AGENTS.find((a) => a.id === agentName);
    if (!agent) throw usageError(`unknown agent "${agentName}": one of ${AGENTS.map((a) => a.id).join(', ')}`);
    if (context.settings.url) throw usageError('tapes start runs a local proxy; --url/TAPES_URL is for reading a remote one', 'unset TAPES_URL for tapes start');
    const { out, env, settings } = context;
    const c = out.errColor;

    const store = describeStore(settings);
    const proxy = await ensureProxy(settings, store, env, (text) => out.note(c.dim(text)));
    const sessionId = stringOption(options['session']) ?? randomUUID();
    const envelope = encodeSessionEnvelope({ harness_id: agent.id, harness_session_id: sessionId, cwd: context.cwd, ...(stringOption(options['name']) ? { name: stringOption(options['name']) } : {}) });
    const launch = agent.launch({ proxyUrl: proxy.url, envelope, args: agentArgs, env, home: env['HOME'] || os.homedir() });
    for (const warning of launch.warnings) out.note(c.yellow(`tapes: ${warning}`));

    const exit = await runAgent(launch.command, launch.args, launch.env, context.cwd, (context.stdin as { isTTY?: boolean }).isTTY === true);
    if (options['quiet'] !== true) {
      out.note(c.dim(`tapes: session ${sessionId} — see it with `) + `tapes show ${sessionId}` + c.dim(` or ${proxy.url}/_tapes/`) + (proxy.started ? c.dim(` (proxy pid ${proxy.pid} keeps running; logs ${proxy.log})`) : ''));
    }
    return exit.code;
  },
};
