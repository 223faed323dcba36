import type { HeaderRecord } from '@tapes/capture';

/** What it takes to run one agent through the proxy. */
export interface AgentLaunch {
  /** The executable, looked up on PATH. */
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Said on stderr before the agent starts: something about the user's set-up that keeps turns from being captured. */
  warnings: string[];
}

export interface LaunchInput {
  /** The proxy's base URL, `http://127.0.0.1:<port>`. */
  proxyUrl: string;
  /** The X-Tapes session envelope (lower-case names, encodeSessionEnvelope's output). */
  envelope: HeaderRecord;
  /** What the user gave after the agent's name, passed on untouched. */
  args: string[];
  /** The environment tapes was started with. */
  env: NodeJS.ProcessEnv;
  /** The user's home, for reading an agent's own settings (never written). */
  home: string;
}

/**
 * One agent `tapes start` knows: how to point it at the proxy and hand it the session envelope,
 * each through the agent's own configuration mechanism (environment variables or command-line
 * config overrides, never by editing the user's files), so it behaves exactly as without tapes.
 */
export interface AgentLauncher {
  /** The word after `tapes start`, and the harness id the envelope names. */
  readonly id: 'claude' | 'codex' | 'gemini' | 'opencode';
  /** The executable's name on PATH. */
  readonly command: string;
  /** One line for `tapes start --help`: how the agent is pointed at tapes. */
  readonly how: string;
  launch(input: LaunchInput): AgentLaunch;
}

/**
 * The base URL an agent is given: `<proxy>/agents/<agent>/providers/<provider>`. Naming the provider
 * matters: a request the path alone does not place (Claude Code's `HEAD <base>` before its first
 * turn, a model list) goes to the agent's own provider, exactly as without tapes, not to the
 * proxy's default. Naming the agent records it on every node (`tapes sessions --agent claude`).
 */
export function agentBaseUrl(proxyUrl: string, agent: string, provider: 'anthropic' | 'openai' | 'gemini'): string {
  return `${proxyUrl}/agents/${agent}/providers/${provider}`;
}

/** The envelope as `[name, value]` pairs with canonical capitalisation (X-Tapes-Harness-Id). */
export function envelopePairs(envelope: HeaderRecord): Array<[string, string]> {
  return Object.entries(envelope).map(([name, value]) => [name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()), Array.isArray(value) ? value.join(', ') : value]);
}
