import { useState } from 'preact/hooks';
import type { ContentBlockJson } from '../api/types';
import { FoldedText, JsonView } from './json-view';
import { Markdown } from './markdown';

/** What a block may need from the rest of the transcript: the results that answer tool calls. */
export interface BlockContext {
  role: string;
  /** tool_result (and server tool result) blocks by the id of the call they answer. */
  results?: ReadonlyMap<string, ContentBlockJson>;
  /** Tool names by call id, to label a result that stands on its own. */
  toolNames?: ReadonlyMap<string, string>;
}

const TOOL_CALLS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);
const SAFE_IMAGE = /^image\/(png|jpeg|gif|webp)$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** A call of a tool: Anthropic's three kinds, and any provider block that names a tool (OpenAI's custom_tool_call…). */
export function isToolCall(block: ContentBlockJson): boolean {
  return TOOL_CALLS.has(String(block['type'])) || (typeof block['tool_name'] === 'string' && !block['tool_result_id']);
}

/** A block that answers a call (tool_result, web_search_tool_result, mcp_tool_result, …). */
export function answeredCall(block: ContentBlockJson): string | undefined {
  return str(block['tool_result_id']);
}

/** One content block of a message, whatever its type (text, tool calls and results, thinking, images, a provider's own). */
export function ContentBlockView({ block, ctx }: { block: ContentBlockJson; ctx: BlockContext }) {
  const type = String(block['type'] ?? '');
  if (type === 'text') return <TextBlock block={block} role={ctx.role} />;
  if (type === 'thinking') return <ThinkingBlock block={block} />;
  if (type === 'redacted_thinking') {
    const data = str(record(block['data'])?.['data']) ?? '';
    return (
      <div class="block thinking redacted" data-block="redacted_thinking">
        <span class="label">redacted thinking</span> encrypted by the provider, kept as it came ({data.length} characters)
      </div>
    );
  }
  if (isToolCall(block)) return <ToolCallBlock block={block} ctx={ctx} />;
  if (type === 'image') return <ImageBlock block={block} />;
  if (type === 'tool_result' || answeredCall(block)) return <ToolResultBlock block={block} ctx={ctx} />;
  // A provider's own block: its text when it has some (an OpenAI refusal), its fields as JSON.
  const text = str(block['text']);
  return (
    <div class={`block other ${type}`} data-block={type}>
      <span class="label">{type.replace(/_/g, ' ') || 'block'}</span>
      {text !== undefined && <div class="plain">{text}</div>}
      {block['data'] !== undefined && <JsonView value={block['data']} summary={`${type} data`} open={false} />}
      {text === undefined && block['data'] === undefined && <span class="muted">no content</span>}
    </div>
  );
}

function TextBlock({ block, role }: { block: ContentBlockJson; role: string }) {
  const text = str(block['text']) ?? '';
  const citations = Array.isArray(block['citations']) ? (block['citations'] as unknown[]) : [];
  return (
    <div class="block text" data-block="text">
      {role === 'assistant' ? <Markdown text={text} /> : <div class="plain">{text}</div>}
      {citations.length > 0 && <JsonView value={citations} summary={`${citations.length} citation${citations.length === 1 ? '' : 's'}`} open={false} />}
    </div>
  );
}

function ThinkingBlock({ block }: { block: ContentBlockJson }) {
  const thinking = str(block['thinking']);
  const signature = str(block['thinking_signature']);
  if (!thinking) {
    return (
      <div class="block thinking omitted" data-block="thinking">
        <span class="label">thinking</span> {signature ? 'thinking omitted — signature kept' : 'no thinking text'}
      </div>
    );
  }
  return (
    <details class="block thinking" data-block="thinking">
      <summary>
        <span class="label">thinking</span> {thinking.length} characters{signature ? ', signed' : ''}
      </summary>
      <div class="plain">{thinking}</div>
    </details>
  );
}

function ToolCallBlock({ block, ctx }: { block: ContentBlockJson; ctx: BlockContext }) {
  const type = String(block['type']);
  const name = str(block['tool_name']) ?? '(unnamed tool)';
  const id = str(block['tool_use_id']);
  const server = str(record(block['data'])?.['server_name']);
  const input = block['tool_input'];
  const result = id ? ctx.results?.get(id) : undefined;
  return (
    <div class={`block tool-call ${type}`} data-block={type}>
      <div class="tool-head">
        <span class="label">{type === 'tool_use' ? 'tool' : type === 'mcp_tool_use' ? 'MCP tool' : type === 'server_tool_use' ? 'server tool' : type.replace(/_/g, ' ')}</span>
        <strong class="tool-name">{name}</strong>
        {server && <span class="muted"> on {server}</span>}
        {id && <span class="muted id"> {id}</span>}
      </div>
      {input === undefined ? <div class="muted">no input</div> : <JsonView value={input} summary="input" />}
      {result && <ToolResultBlock block={result} ctx={ctx} inline />}
    </div>
  );
}

function ToolResultBlock({ block, ctx, inline }: { block: ContentBlockJson; ctx: BlockContext; inline?: boolean }) {
  const type = String(block['type']);
  const id = answeredCall(block);
  const output = str(block['tool_output']);
  const error = block['is_error'] === true;
  const data = record(block['data']);
  const parts = Array.isArray(data?.['content']) ? (data?.['content'] as unknown[]) : undefined;
  const name = id ? ctx.toolNames?.get(id) : undefined;
  return (
    <div class={`block tool-result${error ? ' error' : ''}${inline ? ' inline' : ''}`} data-block={type}>
      <div class="tool-head">
        <span class="label">{type === 'tool_result' ? 'result' : type.replace(/_/g, ' ')}</span>
        {!inline && name && <strong class="tool-name">{name}</strong>}
        {!inline && id && <span class="muted id"> {id}</span>}
        {error && <span class="badge bad">error</span>}
      </div>
      {output !== undefined && <FoldedText text={output} />}
      {parts?.map((part, i) => <ResultPart key={i} part={part} />)}
      {type !== 'tool_result' && data && <JsonView value={data} summary={`${type} data`} />}
      {output === undefined && !parts && type === 'tool_result' && <div class="muted">empty result</div>}
    </div>
  );
}

/** A non-text part of a tool result (a screenshot, a document), as Anthropic sends it. */
function ResultPart({ part }: { part: unknown }) {
  const p = record(part);
  const source = record(p?.['source']);
  if (p?.['type'] === 'image' && source?.['type'] === 'base64') return <Thumbnail mediaType={str(source['media_type'])} data={str(source['data'])} />;
  return <JsonView value={part} summary={`${str(p?.['type']) ?? 'part'}`} open={false} />;
}

function ImageBlock({ block }: { block: ContentBlockJson }) {
  const base64 = str(block['image_base64']);
  const url = str(block['image_url']);
  if (base64) return <Thumbnail mediaType={str(block['media_type'])} data={base64} />;
  return (
    <div class="block image" data-block="image">
      <span class="label">image</span>{' '}
      {url ? (
        // Not loaded: opening the viewer must not fetch URLs named in captured content.
        <span>
          at <code class="url">{url}</code>
        </span>
      ) : (
        <JsonView value={block['data'] ?? {}} summary="image source" open={false} />
      )}
    </div>
  );
}

/** The image type its first bytes say (Ollama sends images without one). */
function sniffImageType(base64: string): string | undefined {
  if (base64.startsWith('iVBOR')) return 'image/png';
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  if (base64.startsWith('UklGR')) return 'image/webp';
  return undefined;
}

function Thumbnail({ mediaType: claimed, data }: { mediaType: string | undefined; data: string | undefined }) {
  const [zoomed, setZoomed] = useState(false);
  const mediaType = claimed && SAFE_IMAGE.test(claimed) ? claimed : data ? (sniffImageType(data) ?? claimed) : claimed;
  if (!data || !mediaType || !SAFE_IMAGE.test(mediaType) || !/^[A-Za-z0-9+/=\s]+$/.test(data)) {
    return (
      <div class="block image" data-block="image">
        <span class="label">image</span> {mediaType ?? 'unknown type'}, {data?.length ?? 0} base64 characters (not shown)
      </div>
    );
  }
  return (
    <div class="block image" data-block="image">
      <button type="button" class={`thumb${zoomed ? ' zoomed' : ''}`} onClick={() => setZoomed(!zoomed)} title={zoomed ? 'shrink' : 'enlarge'}>
        <img src={`data:${mediaType};base64,${data.replace(/\s/g, '')}`} alt={`image (${mediaType})`} />
      </button>
    </div>
  );
}
