import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentBaseUrl, envelopePairs, type AgentLauncher } from './agent-launcher';

/** The model provider tapes adds to Codex for the run (Codex reserves `openai`, `ollama`, `lmstudio`). */
const PROVIDER = 'tapes';

/**
 * Codex: a model provider given as `-c` config overrides (nothing written to ~/.codex), with
 * `wire_api = "responses"` and the envelope as its `http_headers`. `requires_openai_auth` keeps
 * Codex's own login, whichever the user has: with an API key the proxy forwards to the OpenAI API
 * (`<proxy>/agents/codex/providers/openai/v1`); signed in with ChatGPT, Codex's upstream is ChatGPT's Codex backend, so the base
 * URL names the `codex` agent route that `tapes start` gives the proxy (TAPES_AGENT_ROUTES).
 */
export const codexAgent: AgentLauncher = {
  id: 'codex',
  command: 'codex',
  how: 'a `tapes` model provider as -c overrides (base_url, wire_api = "responses", http_headers)',
  launch({ proxyUrl, envelope, args, env, home }) {
    const chatgpt = !env['OPENAI_API_KEY'] && signedInWithChatGpt(env['CODEX_HOME'] ?? path.join(home, '.codex'));
    const baseUrl = chatgpt ? `${proxyUrl}/agents/codex` : `${agentBaseUrl(proxyUrl, 'codex', 'openai')}/v1`;
    const headers = envelopePairs(envelope)
      .map(([name, value]) => `${JSON.stringify(name)} = ${JSON.stringify(value)}`)
      .join(', ');
    const overrides = [
      `model_provider=${JSON.stringify(PROVIDER)}`,
      `model_providers.${PROVIDER}.name=${JSON.stringify('OpenAI through tapes')}`,
      `model_providers.${PROVIDER}.base_url=${JSON.stringify(baseUrl)}`,
      `model_providers.${PROVIDER}.wire_api="responses"`,
      `model_providers.${PROVIDER}.requires_openai_auth=true`,
      `model_providers.${PROVIDER}.http_headers={ ${headers} }`,
    ];
    return { command: 'codex', args: [...overrides.flatMap((o) => ['-c', o]), ...args], env: { ...env }, warnings: [] };
  },
};

/** Codex keeps its login in auth.json: ChatGPT tokens, or an API key. */
function signedInWithChatGpt(codexHome: string): boolean {
  try {
    const auth = JSON.parse(readFileSync(path.join(codexHome, 'auth.json'), 'utf8')) as { OPENAI_API_KEY?: unknown; tokens?: unknown };
    return !auth.OPENAI_API_KEY && auth.tokens !== undefined && auth.tokens !== null;
  } catch {
    return false;
  }
}
