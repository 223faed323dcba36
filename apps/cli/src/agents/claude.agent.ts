import { agentBaseUrl, envelopePairs, type AgentLauncher } from './agent-launcher';

/**
 * Claude Code: ANTHROPIC_BASE_URL, and ANTHROPIC_CUSTOM_HEADERS for the envelope — one
 * `Name: value` per line (a comma-separated line would arrive as one header). Headers the user
 * already set there are kept, ours appended. Claude Code sends `HEAD <base>` before its first turn;
 * the base URL names the provider so the proxy sends it to Anthropic (agentBaseUrl).
 */
export const claudeAgent: AgentLauncher = {
  id: 'claude',
  command: 'claude',
  how: 'ANTHROPIC_BASE_URL and ANTHROPIC_CUSTOM_HEADERS',
  launch({ proxyUrl, envelope, args, env }) {
    const ours = envelopePairs(envelope).map(([name, value]) => `${name}: ${value}`);
    const existing = (env['ANTHROPIC_CUSTOM_HEADERS'] ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !/^\s*x-tapes-/i.test(line));
    return {
      command: 'claude',
      args,
      env: { ...env, ANTHROPIC_BASE_URL: agentBaseUrl(proxyUrl, 'claude', 'anthropic'), ANTHROPIC_CUSTOM_HEADERS: [...existing, ...ours].join('\n') },
      warnings: [],
    };
  },
};
