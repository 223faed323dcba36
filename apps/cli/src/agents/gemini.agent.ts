import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentBaseUrl, envelopePairs, type AgentLauncher } from './agent-launcher';

/**
 * Gemini CLI: GOOGLE_GEMINI_BASE_URL (it appends `/v1beta` itself) and GEMINI_CLI_CUSTOM_HEADERS
 * (`Name:value,Name:value`; the user's own kept). Only API-key auth goes through that base URL —
 * signed in with Google, Gemini CLI talks to its Code Assist endpoint instead and nothing would be
 * captured — so tapes warns when the user's settings select another auth type. It does not change
 * them: headless runs need `security.auth.selectedType: "gemini-api-key"` in ~/.gemini/settings.json
 * and `--skip-trust` (pass it after `--`), as without tapes.
 */
export const geminiAgent: AgentLauncher = {
  id: 'gemini',
  command: 'gemini',
  how: 'GOOGLE_GEMINI_BASE_URL and GEMINI_CLI_CUSTOM_HEADERS (API-key auth only)',
  launch({ proxyUrl, envelope, args, env, home }) {
    const ours = envelopePairs(envelope).map(([name, value]) => `${name}:${value}`);
    const existing = (env['GEMINI_CLI_CUSTOM_HEADERS'] ?? '')
      .split(',')
      .filter((item) => item.trim() !== '' && !/^\s*x-tapes-/i.test(item));
    const warnings: string[] = [];
    const selected = selectedAuthType(env['GEMINI_CLI_HOME'] ?? home);
    if (selected && selected !== 'gemini-api-key') {
      warnings.push(`Gemini CLI is set to ${selected} auth (~/.gemini/settings.json security.auth.selectedType); only gemini-api-key requests go through GOOGLE_GEMINI_BASE_URL, so tapes will not see these turns`);
    }
    return {
      command: 'gemini',
      args,
      env: { ...env, GOOGLE_GEMINI_BASE_URL: agentBaseUrl(proxyUrl, 'gemini', 'gemini'), GEMINI_CLI_CUSTOM_HEADERS: [...existing, ...ours].join(',') },
      warnings,
    };
  },
};

function selectedAuthType(home: string): string | undefined {
  try {
    const settings = JSON.parse(readFileSync(path.join(home, '.gemini', 'settings.json'), 'utf8')) as { security?: { auth?: { selectedType?: unknown } }; selectedAuthType?: unknown };
    const selected = settings.security?.auth?.selectedType ?? settings.selectedAuthType;
    return typeof selected === 'string' ? selected : undefined;
  } catch {
    return undefined;
  }
}
