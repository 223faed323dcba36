import { resolveAgentRoute } from './agent-route';

describe('resolveAgentRoute (ref §5.2)', () => {
  it.each([
    { name: 'header wins and leaves the path alone', path: '/agents/x/v1/messages', header: '  claude ', want: { agentName: 'claude', path: '/agents/x/v1/messages' } },
    { name: 'no header, no prefix', path: '/v1/messages?beta=true', header: undefined, want: { path: '/v1/messages?beta=true' } },
    { name: 'agent prefix stripped, query kept', path: '/agents/claude/v1/messages?beta=true', header: undefined, want: { agentName: 'claude', path: '/v1/messages?beta=true' } },
    { name: 'agent and provider prefix', path: '/agents/opencode/providers/openai/v1/chat/completions', header: undefined, want: { agentName: 'opencode', provider: 'openai', path: '/v1/chat/completions' } },
    { name: 'agent with nothing after it', path: '/agents/codex', header: undefined, want: { agentName: 'codex', path: '/' } },
    { name: 'empty agent segment means no agent', path: '/agents//v1/messages', header: undefined, want: { path: '/v1/messages' } },
    { name: 'unknown provider is not a provider prefix', path: '/agents/a/providers/acme/v1/x', header: undefined, want: { agentName: 'a', path: '/providers/acme/v1/x' } },
    { name: 'blank header falls through to the path', path: '/agents/b/api/chat', header: '   ', want: { agentName: 'b', path: '/api/chat' } },
    { name: 'percent-encoded agent name', path: '/agents/my%20agent/v1/messages', header: undefined, want: { agentName: 'my agent', path: '/v1/messages' } },
  ])('$name', ({ path, header, want }) => {
    expect(resolveAgentRoute(path, header)).toEqual(want);
  });
});
