import type { CliCommand } from '../cli-command';
import { EXIT } from '../exit-codes';
import type { Check } from '../doctor/check';
import { checkAgentEnv, checkAgents, checkDataDir, checkProxy, checkRemote, checkStore } from '../doctor/checks';

/** `tapes doctor`: checks the set-up and says what to fix; exits 1 when something is broken. */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  configure(command) {
    command
      .summary('check the set-up and say what to fix')
      .description(
        'Check the data dir (exists, yours, not readable by others), the store (reachable; migrations applied), the proxy tapes start runs (alive, ready, storage up), ' +
          'the agent environment of this shell (ANTHROPIC_BASE_URL, OPENAI_BASE_URL, GOOGLE_GEMINI_BASE_URL, OLLAMA_HOST: through tapes, elsewhere, or nowhere), ' +
          'and the agents on PATH; with --url, the remote read API and its token. Exits 1 when a check fails.',
      );
  },
  async run(context) {
    const { settings, env, out } = context;
    const checks: Check[] = [];
    if (settings.url) checks.push(await checkRemote(settings));
    checks.push(await checkDataDir(settings));
    checks.push(...(await checkStore(settings)));
    const { check, proxy } = await checkProxy(settings);
    checks.push(check);
    checks.push(...(await checkAgentEnv(env, proxy)));
    checks.push(await checkAgents(env));
    const failed = checks.filter((c) => c.status === 'fail').length;
    const warned = checks.filter((c) => c.status === 'warn').length;

    if (out.json) out.writeJson({ ok: failed === 0, checks });
    else {
      const c = out.color;
      const mark = { ok: c.green('✓'), info: c.dim('·'), warn: c.yellow('!'), fail: c.red('✗') };
      for (const check of checks) {
        out.line(`${mark[check.status]} ${c.bold(check.name)}: ${check.detail}`);
        if (check.fix) out.line(`    ${c.cyan('fix:')} ${check.fix}`);
      }
      out.line(failed ? c.red(`${failed} problem${failed > 1 ? 's' : ''}`) + (warned ? `, ${warned} warning${warned > 1 ? 's' : ''}` : '') : c.green(`all good${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}`));
    }
    return failed ? EXIT.failure : EXIT.ok;
  },
};
