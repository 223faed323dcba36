import { render, screen } from '@testing-library/preact';
import type { NodeJson, TurnSummaryJson } from '../src/api/types';
import { ContentBlockView } from '../src/components/blocks';
import { renderMarkdown } from '../src/components/markdown';
import { MessageView } from '../src/components/message';
import { TurnMeta } from '../src/components/turn-meta';
import { transcriptRows } from '../src/pages/transcript';
import { catalogTurns } from './catalog-nodes';

/**
 * The renderers (#15) on every content block type the fixture catalog produces — text, tool calls
 * (client, server and MCP), tool results, thinking with and without text, redacted thinking,
 * server tool results, images, a provider's own blocks — and on partial turns.
 */
const turns = catalogTurns();

function renderTurn(name: string): HTMLElement {
  const turn = turns.find((t) => t.fixture.name === name);
  if (!turn) throw new Error(`no fixture ${name}`);
  const model = transcriptRows(turn.nodes, [], undefined);
  const { container } = render(
    <div>
      {turn.nodes.map((node) => (
        <MessageView key={node.hash} node={node} ctx={{ results: model.results, toolNames: model.toolNames }} shownWithCall={model.shownWithCall} />
      ))}
    </div>,
  );
  return container as HTMLElement;
}

const blocksOf = (container: HTMLElement, type: string) => [...container.querySelectorAll(`[data-block="${type}"]`)] as HTMLElement[];

describe('every block type in the catalog has its own renderer', () => {
  const types = new Set(turns.flatMap((t) => t.nodes.flatMap((n) => n.bucket.content.map((b) => String(b['type'])))));

  it('covers the types the issue names (the catalog has them all)', () => {
    for (const type of ['text', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use', 'web_search_tool_result', 'mcp_tool_use', 'mcp_tool_result', 'image']) expect(types).toContain(type);
  });

  it.each(turns.map((t) => [t.fixture.name]))('%s renders every block, none as a blank', (name) => {
    const container = renderTurn(name);
    const turn = turns.find((t) => t.fixture.name === name)!;
    const shown = new Set(transcriptRows(turn.nodes, [], undefined).shownWithCall);
    for (const node of turn.nodes) {
      for (const block of node.bucket.content) {
        const type = String(block['type']);
        // A result drawn under its call is inside the call's element.
        const elements = blocksOf(container, type);
        expect([type, elements.length > 0]).toEqual([type, true]);
        if (typeof block['tool_result_id'] === 'string' && shown.has(block['tool_result_id'] as string)) expect(elements.some((e) => e.closest('.tool-call'))).toBe(true);
      }
    }
    expect(container.textContent?.trim().length).toBeGreaterThan(0);
  });
});

describe('the renderers, block by block', () => {
  it('assistant text is Markdown with code blocks; user text is plain', () => {
    const { container } = render(
      <>
        <ContentBlockView block={{ type: 'text', text: 'Run:\n\n```sh\nnpm test\n```\n\n**done**' }} ctx={{ role: 'assistant' }} />
        <ContentBlockView block={{ type: 'text', text: '**not bold** for a user' }} ctx={{ role: 'user' }} />
      </>,
    );
    expect(container.querySelector('.markdown pre code')?.textContent).toBe('npm test\n');
    expect(container.querySelector('.markdown strong')?.textContent).toBe('done');
    expect(container.querySelector('.plain')?.textContent).toBe('**not bold** for a user');
  });

  it('a tool call shows its name and its input as pretty JSON, with the matching result under it', () => {
    const container = renderTurn('anthropic_extra/claude_code_turn');
    const grep = [...container.querySelectorAll('.tool-call')].find((e) => e.querySelector('.tool-name')?.textContent === 'Grep') as HTMLElement;
    expect(grep.querySelector('.json')?.textContent).toBe('{\n  "pattern": "upstream"\n}');
    expect(grep.querySelector('.tool-result')?.textContent).toContain('src/server.ts:142: const upstream = await request(target)');
    // The result is not drawn a second time in its own (user) message.
    expect(container.querySelectorAll('[data-block="tool_result"]').length).toBe(1);
    const bash = [...container.querySelectorAll('.tool-call')].find((e) => e.querySelector('.tool-name')?.textContent === 'Bash') as HTMLElement;
    expect(bash.textContent).toContain('npx jest -c apps/api/jest.config.cjs server --runInBand');
  });

  it('omitted thinking says so; thinking with text is shown folded', () => {
    const omitted = renderTurn('anthropic_extra/claude_code_turn');
    expect(blocksOf(omitted, 'thinking')[0]?.textContent).toContain('thinking omitted — signature kept');
    const shown = renderTurn('anthropic/messages_thinking');
    const thinking = blocksOf(shown, 'thinking')[0]!;
    expect(thinking.tagName).toBe('DETAILS');
    expect(thinking.querySelector('.plain')?.textContent?.length).toBeGreaterThan(0);
  });

  it('redacted thinking, server tool calls and their results, MCP calls and results', () => {
    const container = renderTurn('anthropic_extra/server_tools');
    expect(blocksOf(container, 'redacted_thinking')[0]?.textContent).toMatch(/redacted thinking.*encrypted by the provider/);
    expect(blocksOf(container, 'server_tool_use')[0]?.querySelector('.tool-name')?.textContent).toBe('web_search');
    expect(blocksOf(container, 'web_search_tool_result')[0]?.closest('.tool-call')).not.toBeNull();
    const mcp = blocksOf(container, 'mcp_tool_use')[0]!;
    expect(mcp.textContent).toMatch(/MCP tool.* on github/);
    expect(mcp.querySelector('[data-block="mcp_tool_result"]')).not.toBeNull();
  });

  it('an image is a thumbnail from its bytes (never a URL fetched on open)', () => {
    const container = renderTurn('ollama/chat_images_stream');
    const img = blocksOf(container, 'image')[0]?.querySelector('img');
    expect(img?.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBOR/);
    const { container: byUrl } = render(<ContentBlockView block={{ type: 'image', image_url: 'https://tracker.example/pixel.png' }} ctx={{ role: 'user' }} />);
    expect(byUrl.querySelector('img')).toBeNull();
    expect(byUrl.textContent).toContain('https://tracker.example/pixel.png');
    const { container: svg } = render(<ContentBlockView block={{ type: 'image', image_base64: 'PHN2Zz4=', media_type: 'image/svg+xml' }} ctx={{ role: 'user' }} />);
    expect(svg.querySelector('img')).toBeNull();
  });

  it("a provider's own block shows its text (an OpenAI refusal) and a tool call of another provider its name", () => {
    const refusal = renderTurn('openai_chat/refusal_stream');
    expect(blocksOf(refusal, 'refusal')[0]?.querySelector('.plain')?.textContent?.length).toBeGreaterThan(0);
    const custom = renderTurn('openai_responses/custom_tool_call_stream');
    expect(blocksOf(custom, 'custom_tool_call')[0]?.querySelector('.tool-name')?.textContent?.length).toBeGreaterThan(0);
  });

  it('long tool output is folded after its first lines, and expandable', () => {
    const output = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
    const { container } = render(<ContentBlockView block={{ type: 'tool_result', tool_result_id: 'x', tool_output: output }} ctx={{ role: 'user' }} />);
    const fold = container.querySelector('details.output-fold') as HTMLDetailsElement;
    expect(fold.open).toBe(false);
    expect(fold.querySelector('summary')?.textContent).toContain('show all output: 200 lines');
    expect(fold.querySelector('summary pre')?.textContent?.split('\n')).toHaveLength(12);
  });
});

describe('partial and unreduced turns say why, in words', () => {
  const summary = (outcome: 'partial' | 'unreduced', diagnostics: { code: string; detail: string }[]): TurnSummaryJson => ({
    id: 't1', request_id: 'r1', session_id: 's', thread_id: '', provider: 'anthropic', api: 'anthropic.messages', agent: null, model: 'claude-3-5-sonnet-20241022', outcome, diagnostics,
    head_hash: outcome === 'partial' ? 'h'.repeat(64) : null, nodes: 2, new_nodes: 1,
    tokens: { input: 10, output: 5, cache_write: 3, cache_read: 100, reasoning: 7, total: 118 }, cost_usd: 0.0012,
    started_at: '2026-11-30T10:00:00.000000Z', first_byte_at: '2026-11-30T10:00:00.300000Z', ended_at: '2026-11-30T10:00:02.000000Z', ttfb_ms: 300, duration_ms: 2_000,
  });

  it.each(turns.filter((t) => t.diagnostics.length > 0).map((t) => [t.fixture.name, t]))('%s: its diagnostics in words', (_name, turn) => {
    render(<TurnMeta turn={summary('partial', turn.diagnostics.map((d) => ({ code: d.code, detail: d.detail })))} />);
    for (const d of turn.diagnostics) expect(screen.getByText((_, el) => el?.tagName === 'LI' && el.textContent!.includes(d.detail))).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/Diagnostic "/); // every code has words
  });

  it('shows tokens with cache and thinking, cost, TTFB and duration', () => {
    const { container } = render(<TurnMeta turn={summary('partial', [{ code: 'incomplete', detail: 'no message_stop' }])} />);
    expect(container.textContent).toMatch(/10 in · 5 out · 100 cache read · 3 cache write · 7 thinking/);
    expect(container.textContent).toContain('$0.0012');
    expect(container.textContent).toContain('TTFB 300 ms');
    expect(container.textContent).toContain('2.0 s');
    expect(container.textContent).toContain("The stream ended before the provider's end-of-turn marker");
  });

  it('places a turn that built no messages where it happened in its thread', () => {
    const turn = turns.find((t) => t.fixture.name === 'anthropic/messages_stream')!;
    const head = turn.nodes.at(-1)!.hash;
    const first = { ...summary('partial', []), id: 'first', outcome: 'complete' as const, head_hash: head };
    const lost = { ...summary('unreduced', [{ code: 'empty_response', detail: 'the response body was empty' }]), id: 'lost' };
    const model = transcriptRows(turn.nodes, [first, lost], 'first');
    expect(model.rows.map((r) => r.kind)).toEqual(['system', 'message', 'message', 'turn', 'no-messages']);
  });

  it('says how many turns ended on another branch', () => {
    const turn = turns.find((t) => t.fixture.name === 'anthropic/messages_stream')!;
    const elsewhere = { ...summary('partial', []), id: 'x', head_hash: 'e'.repeat(64) };
    expect(transcriptRows(turn.nodes, [elsewhere], undefined).rows[0]).toEqual({ kind: 'notice', text: expect.stringContaining('1 turn of this thread ended on another branch') });
  });
});

describe('captured content cannot run in the page (XSS)', () => {
  const hostile = [
    '<img src=x onerror="globalThis.__xss=1">',
    '<script>globalThis.__xss=2</script>',
    '[click](javascript:globalThis.__xss=3)',
    '<a href="javascript:globalThis.__xss=4">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="globalThis.__xss=5"></svg>',
    '![tracker](https://tracker.example/p.png)',
    '<style>body{display:none}</style>',
    '<form action="https://evil.example"><input name=a></form>',
  ].join('\n\n');

  it('renders it as inert text: no element that runs, loads or submits', () => {
    const html = renderMarkdown(hostile);
    const { container } = render(<ContentBlockView block={{ type: 'text', text: hostile }} ctx={{ role: 'assistant' }} />);
    for (const tag of ['script', 'img', 'iframe', 'svg', 'style', 'form', 'input']) expect([tag, container.querySelectorAll(tag).length]).toEqual([tag, 0]);
    for (const el of container.querySelectorAll('*')) for (const attr of el.getAttributeNames()) expect(attr.startsWith('on')).toBe(false);
    for (const a of container.querySelectorAll('a')) expect(a.getAttribute('href') ?? '').not.toMatch(/^\s*javascript:/i);
    expect((globalThis as { __xss?: number }).__xss).toBeUndefined();
    // What the model wrote is still readable.
    expect(container.textContent).toContain('<script>globalThis.__xss=2</script>');
    expect(html).not.toMatch(/<(script|img|iframe|svg|style|form|input)\b/i);
    expect(html).not.toMatch(/<[^>]*\son\w+=/i);
    expect(container.textContent).toContain('[image tracker: https://tracker.example/p.png]');
  });

  it('opens links in a new tab without a referrer', () => {
    const { container } = render(<ContentBlockView block={{ type: 'text', text: '[docs](https://example.com/docs)' }} ctx={{ role: 'assistant' }} />);
    const a = container.querySelector('a')!;
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toContain('noreferrer');
  });
});

describe('a message', () => {
  it('names its role and model', () => {
    const node: NodeJson = { hash: 'a'.repeat(64), parent_hash: null, bucket: { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }], model: 'm-1', provider: 'anthropic' }, stop_reason: 'end_turn', created_at: '2026-11-30T10:00:00.000000Z' };
    const { container } = render(<MessageView node={node} ctx={{}} />);
    expect(container.querySelector('.message-head')?.textContent).toBe('assistant m-1 · end_turn');
  });
});
