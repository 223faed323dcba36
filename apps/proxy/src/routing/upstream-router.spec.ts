import { createDefaultReducers, turnPolicy } from '@tapes/capture';
import { DEFAULT_UPSTREAMS, type ProxyConfig } from '../config/proxy-config';
import { UpstreamRouter } from './upstream-router';

const config: Pick<ProxyConfig, 'upstreams' | 'agentRoutes' | 'defaultProvider'> = {
  upstreams: { ...DEFAULT_UPSTREAMS, openai: 'https://api.openai.com/v1' },
  defaultProvider: 'openai',
  agentRoutes: { codex: { provider: 'openai', upstream: 'https://chatgpt.com/backend-api/codex' }, claude: { provider: 'anthropic' } },
};
const reducers = createDefaultReducers();
const router = new UpstreamRouter(config, reducers);

describe('UpstreamRouter (ref §5.2)', () => {
  it.each([
    {
      name: 'a known Anthropic endpoint, query kept',
      method: 'POST', url: '/v1/messages?beta=true', headers: {},
      want: { provider: 'anthropic', origin: 'https://api.anthropic.com', upstreamPath: '/v1/messages?beta=true', agentName: undefined, api: 'anthropic.messages' },
    },
    {
      name: 'count_tokens goes to Anthropic but is not a turn',
      method: 'POST', url: '/v1/messages/count_tokens', headers: {},
      want: { provider: 'anthropic', origin: 'https://api.anthropic.com', upstreamPath: '/v1/messages/count_tokens', api: undefined },
    },
    {
      name: 'an OpenAI client whose base URL ends in /v1 (no doubled /v1)',
      method: 'POST', url: '/v1/chat/completions', headers: {},
      want: { provider: 'openai', origin: 'https://api.openai.com', upstreamPath: '/v1/chat/completions', api: 'openai.chat_completions' },
    },
    {
      name: 'the Responses API',
      method: 'POST', url: '/v1/responses', headers: {},
      want: { provider: 'openai', upstreamPath: '/v1/responses', api: 'openai.responses' },
    },
    {
      name: 'an Ollama chat',
      method: 'POST', url: '/api/chat', headers: {},
      want: { provider: 'ollama', origin: 'http://localhost:11434', upstreamPath: '/api/chat', api: 'ollama.chat' },
    },
    {
      name: 'Ollama’s other API paths and its root probe',
      method: 'HEAD', url: '/', headers: {},
      want: { provider: 'ollama', upstreamPath: '/', api: undefined },
    },
    {
      name: 'Claude Code’s start-up HEAD of its base URL goes to Anthropic, not Ollama (#12)',
      method: 'HEAD', url: '/', headers: { 'user-agent': 'claude-cli/2.1.3 (external, cli)' },
      want: { provider: 'anthropic', origin: 'https://api.anthropic.com', upstreamPath: '/', api: undefined },
    },
    {
      name: 'a GET to a turn endpoint is not a turn',
      method: 'GET', url: '/api/chat', headers: {},
      want: { provider: 'ollama', api: undefined },
    },
    {
      name: 'an Anthropic SDK call to a shared path, told apart by its anthropic-version header',
      method: 'GET', url: '/v1/models', headers: { 'anthropic-version': '2023-06-01' },
      want: { provider: 'anthropic', origin: 'https://api.anthropic.com', upstreamPath: '/v1/models' },
    },
    {
      name: 'an unknown path goes to the default provider',
      method: 'GET', url: '/v1/models', headers: {},
      want: { provider: 'openai', upstreamPath: '/v1/models' },
    },
    {
      name: 'the agent header names the agent and is honoured with the path unchanged',
      method: 'POST', url: '/v1/messages', headers: { 'x-tapes-agent-name': 'claude' },
      want: { provider: 'anthropic', agentName: 'claude', upstreamPath: '/v1/messages', api: 'anthropic.messages' },
    },
    {
      name: 'an agent prefix uses the agent’s route and upstream',
      method: 'POST', url: '/agents/codex/responses', headers: {},
      want: { provider: 'openai', agentName: 'codex', origin: 'https://chatgpt.com', upstreamPath: '/backend-api/codex/responses', api: 'openai.responses' },
    },
    {
      name: 'a provider prefix overrides the agent’s route',
      method: 'POST', url: '/agents/codex/providers/ollama/api/chat', headers: {},
      want: { provider: 'ollama', agentName: 'codex', origin: 'http://localhost:11434', upstreamPath: '/api/chat', api: 'ollama.chat' },
    },
    {
      name: 'an agent without a route is routed by its path',
      method: 'POST', url: '/agents/opencode/v1/messages', headers: {},
      want: { provider: 'anthropic', agentName: 'opencode', upstreamPath: '/v1/messages', api: 'anthropic.messages' },
    },
    {
      name: 'codex sign-in goes to the OpenAI auth host',
      method: 'POST', url: '/agents/codex/oauth/token', headers: {},
      want: { provider: 'openai', agentName: 'codex', origin: 'https://auth.openai.com', upstreamPath: '/oauth/token', api: undefined },
    },
  ])('$name', ({ method, url, headers, want }) => {
    const route = router.route(url, headers);
    const { api, ...rest } = want;
    expect(route).toMatchObject(rest);
    const verdict = turnPolicy.request({ method, path: route.path, provider: route.provider, reducers });
    expect(verdict.turn ? verdict.reducer.api : undefined).toBe(api);
  });
});
