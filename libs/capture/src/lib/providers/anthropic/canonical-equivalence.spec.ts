import type { ChatResponse, Message } from '@tapes/llm';
import { createNode, messageBucket } from '@tapes/merkle';
import { readFixture, readFixtureText } from '@tapes/testing';
import { reduceBody } from '../../reducer';
import { AnthropicMessagesReducer } from './reducer';

/**
 * The property that lets the DAG dedup a streamed capture against a one-shot capture of the same
 * turn (ref §4.2, §8; tapes `canonical_equivalence_test.go`): both reduce to the same message, so
 * the response node hashes alike. V3–V5 are the derived vectors of ref §2.4.
 */
const reducer = new AnthropicMessagesReducer();
const AGENT = 'canonical-equivalence';

function responseHash(response: ChatResponse): string {
  return createNode(messageBucket(response.message, { model: response.model, provider: 'anthropic', agentName: AGENT }), null).hash;
}

function messageHash(message: Message, model: string): string {
  return createNode(messageBucket(message, { model, provider: 'anthropic', agentName: AGENT }), null).hash;
}

const pairs = [
  {
    name: 'turn_01 (text)',
    stream: 'anthropic/canonical_equivalence/turn_01_stream.sse',
    oneshot: 'anthropic/canonical_equivalence/turn_01_oneshot.json',
    vector: '8795ffebc074c9cb6bd50ac9cde831016b3d14da749d34a0c428e03b5246d385',
  },
  {
    name: 'turn_02 (tool_use)',
    stream: 'anthropic/canonical_equivalence/turn_02_tool_use_stream.sse',
    oneshot: 'anthropic/canonical_equivalence/turn_02_tool_use_oneshot.json',
    vector: '1fcbe9e7d83f96e6fb06b64c5394e1287480c040eee7c30f4dacd461ef309090',
  },
  {
    name: 'turn_03 (thinking)',
    stream: 'anthropic/canonical_equivalence/turn_03_thinking_stream.sse',
    oneshot: 'anthropic/canonical_equivalence/turn_03_thinking_oneshot.json',
    vector: '10fa354b5ace2293107e5e8a513e93a318e99704a6ea8bbc5ae02c271aade4e3',
  },
  {
    name: 'turn_04 (server tool)',
    stream: 'anthropic/canonical_equivalence/turn_04_server_tool_stream.sse',
    oneshot: 'anthropic/canonical_equivalence/turn_04_server_tool_oneshot.json',
    vector: undefined,
  },
  {
    name: 'Claude Code turn (signed thinking without text, two tool calls)',
    stream: 'anthropic_extra/claude_code_turn.sse',
    oneshot: 'anthropic_extra/claude_code_turn_oneshot.json',
    vector: undefined,
  },
  {
    name: 'server tools, MCP, redacted thinking, citations',
    stream: 'anthropic_extra/server_tools.sse',
    oneshot: 'anthropic_extra/server_tools_oneshot.json',
    vector: undefined,
  },
];

describe.each(pairs)('canonical equivalence: $name', ({ stream, oneshot, vector }) => {
  const streamed = reduceBody(reducer, readFixture(stream), { contentType: 'text/event-stream' });
  const parsed = reduceBody(reducer, readFixture(oneshot), { contentType: 'application/json' });

  it('reduces both forms completely', () => {
    expect(streamed.diagnostics).toEqual([]);
    expect(parsed.diagnostics).toEqual([]);
    expect(streamed.done && parsed.done).toBe(true);
  });

  it('gives the same message, model and stop reason', () => {
    expect(streamed.message).toEqual(parsed.message);
    expect(streamed.model).toBe(parsed.model);
    expect(streamed.stop_reason).toBe(parsed.stop_reason);
    expect(streamed.usage).toEqual(parsed.usage);
  });

  it('gives the same response node hash', () => {
    expect(responseHash(streamed)).toBe(responseHash(parsed));
  });

  if (vector) {
    it('matches the derived vector of ref §2.4', () => {
      expect(responseHash(streamed)).toBe(vector);
    });
  }

  it('hashes the reply replayed in the next request as the response node', () => {
    const wire = JSON.parse(readFixtureText(oneshot)) as { model: string; content: unknown[] };
    const request = reducer.parseRequest({
      model: wire.model,
      messages: [
        { role: 'user', content: 'go on' },
        { role: 'assistant', content: wire.content },
      ],
    });
    const replayed = request.messages[1] as Message;
    expect(messageHash(replayed, request.model)).toBe(responseHash(streamed));
  });
});
