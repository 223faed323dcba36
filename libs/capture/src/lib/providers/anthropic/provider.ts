import type { ProviderSpec } from '../provider-spec';
import { AnthropicMessagesReducer } from './reducer';

/**
 * Anthropic (Messages API). Its non-turn traffic: `/v1/messages/count_tokens`, `/v1/messages/batches`,
 * the legacy `/v1/complete`, anything carrying `anthropic-version` — and Claude Code's start-up
 * `HEAD <base>`, recognised by its `claude-cli/` user agent, which must reach Anthropic rather than
 * fall to the path-only rules.
 */
export const anthropicSpec = {
  name: 'anthropic',
  apis: ['anthropic.messages'],
  defaultUpstream: 'https://api.anthropic.com',
  upstreamEnv: 'TAPES_UPSTREAM_ANTHROPIC',
  claims: ({ path, header }) =>
    header('anthropic-version') !== undefined ||
    header('x-claude-code-session-id') !== undefined ||
    (header('user-agent') ?? '').startsWith('claude-cli/') ||
    path === '/v1/messages' ||
    path.startsWith('/v1/messages/') ||
    path === '/v1/complete',
  agentEnv: (base) => ({ ANTHROPIC_BASE_URL: base }),
  createReducers: () => [new AnthropicMessagesReducer()],
} as const satisfies ProviderSpec<'anthropic', 'anthropic.messages'>;
