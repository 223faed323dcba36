import { turnNodes } from './turn-nodes';

describe('turnNodes', () => {
  const request = {
    model: 'claude-sonnet-4-5',
    system: 'be brief',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
      { role: 'user', content: [{ type: 'text', text: 'bye' }] },
    ],
  };
  const response = {
    model: 'claude-sonnet-4-5-20250929',
    message: { role: 'assistant', content: [{ type: 'text', text: 'bye!' }] },
    done: true,
    stop_reason: 'end_turn',
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    diagnostics: [],
  };

  it('chains one node per request message, then the response node with stop reason and usage', () => {
    const nodes = turnNodes(request, response, { provider: 'anthropic', agentName: 'claude' });
    expect(nodes).toHaveLength(4);
    expect(nodes[0]!.parent_hash).toBeNull();
    for (let i = 1; i < nodes.length; i++) expect(nodes[i]!.parent_hash).toBe(nodes[i - 1]!.hash);
    expect(nodes.slice(0, 3).every((n) => n.stop_reason === undefined && n.usage === undefined)).toBe(true);
    const head = nodes[3]!;
    expect(head.bucket).toMatchObject({ role: 'assistant', model: 'claude-sonnet-4-5-20250929', provider: 'anthropic', agent_name: 'claude' });
    expect(head.stop_reason).toBe('end_turn');
    expect(head.usage?.total_tokens).toBe(4);
    expect(nodes[0]!.bucket.model).toBe('claude-sonnet-4-5');
  });

  it('does not make the system prompt a node', () => {
    const nodes = turnNodes(request, response, { provider: 'anthropic' });
    expect(nodes.some((n) => JSON.stringify(n.bucket).includes('be brief'))).toBe(false);
  });

  it('falls back to the request model when the response has none', () => {
    const nodes = turnNodes(request, { ...response, model: '' }, { provider: 'anthropic' });
    expect(nodes.at(-1)!.bucket.model).toBe('claude-sonnet-4-5');
  });
});
