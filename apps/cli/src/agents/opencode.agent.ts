import { agentBaseUrl, envelopePairs, type AgentLauncher } from './agent-launcher';

/**
 * opencode: inline configuration in OPENCODE_CONFIG_CONTENT (the highest-precedence layer, merged
 * over the user's files, which stay untouched): each provider it may use gets the proxy as its
 * `baseURL` — with the path suffix the provider's SDK expects — and the envelope in its `headers`.
 * A user's own OPENCODE_CONFIG_CONTENT is merged under ours.
 */
export const opencodeAgent: AgentLauncher = {
  id: 'opencode',
  command: 'opencode',
  how: 'OPENCODE_CONFIG_CONTENT (provider baseURL and headers for anthropic, openai, google)',
  launch({ proxyUrl, envelope, args, env }) {
    const headers = Object.fromEntries(envelopePairs(envelope));
    const ours = {
      provider: {
        anthropic: { options: { baseURL: `${agentBaseUrl(proxyUrl, 'opencode', 'anthropic')}/v1`, headers } },
        openai: { options: { baseURL: `${agentBaseUrl(proxyUrl, 'opencode', 'openai')}/v1`, headers } },
        google: { options: { baseURL: `${agentBaseUrl(proxyUrl, 'opencode', 'gemini')}/v1beta`, headers } },
      },
    };
    const config = mergeDeep(parseObject(env['OPENCODE_CONFIG_CONTENT']), ours);
    return { command: 'opencode', args, env: { ...env, OPENCODE_CONFIG_CONTENT: JSON.stringify(config) }, warnings: [] };
  },
};

type Json = Record<string, unknown>;

function parseObject(text: string | undefined): Json {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

function mergeDeep(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
