import type { TurnDetailJson } from '@tapes/read-api';
import type { Colors } from './colors';

export type MessageNode = TurnDetailJson['messages'][number];

/** A content block as the read API returns it (libs/llm ContentBlock, loosely typed on the wire). */
interface Block {
  type?: unknown;
  text?: unknown;
  thinking?: unknown;
  thinking_signature?: unknown;
  tool_name?: unknown;
  tool_use_id?: unknown;
  tool_input?: unknown;
  tool_result_id?: unknown;
  tool_output?: unknown;
  is_error?: unknown;
  media_type?: unknown;
  image_url?: unknown;
}

export interface TranscriptOptions {
  color: Colors;
  /** Print tool output, tool input, thinking and system prompts whole instead of folding them. */
  full: boolean;
}

/** Lines kept of a folded block: enough to recognise it, short enough to keep the conversation readable. */
const FOLD = { toolOutput: 8, toolInput: 6, thinking: 6, system: 3 } as const;

/**
 * One message of a conversation for the terminal: the role as a heading, text as it is, thinking
 * marked (✻, dimmed), tool calls with their input, tool results with their output, long ones folded
 * (`--full` unfolds). Text is never re-wrapped: the terminal wraps, and copied text stays intact.
 */
export function renderMessage(node: MessageNode, options: TranscriptOptions): string[] {
  const c = options.color;
  const role = node.bucket.role;
  const heading = role === 'user' ? c.bold(c.green('▌ user')) : role === 'assistant' ? c.bold(c.blue('▌ assistant')) : c.bold(c.magenta(`▌ ${role}`));
  const meta = [role === 'assistant' ? node.bucket.model : '', node.stop_reason ? `stop: ${node.stop_reason}` : ''].filter(Boolean).join(' · ');
  const lines = [meta ? `${heading} ${c.dim(meta)}` : heading];
  for (const block of node.bucket.content as Block[]) lines.push(...renderBlock(block, role, options));
  return lines;
}

function renderBlock(block: Block, role: string, options: TranscriptOptions): string[] {
  const c = options.color;
  const type = typeof block.type === 'string' ? block.type : 'unknown';
  switch (type) {
    case 'text': {
      const text = str(block.text);
      return role === 'system' ? fold(text, FOLD.system, options, (s) => c.dim(s)) : indent(text);
    }
    case 'thinking': {
      const text = str(block.thinking);
      const signed = block.thinking_signature ? ' (signed)' : '';
      if (!text) return [c.dim(c.italic(`  ✻ thinking${signed}: [not shown by the provider]`))];
      return [c.dim(c.italic(`  ✻ thinking${signed}`)), ...fold(text, FOLD.thinking, options, (s) => c.dim(c.italic(s)))];
    }
    case 'tool_use': {
      const input = block.tool_input === undefined ? '' : JSON.stringify(block.tool_input, null, 2);
      const compact = block.tool_input === undefined ? '' : JSON.stringify(block.tool_input);
      const head = `  ${c.yellow('⚙')} ${c.bold(c.yellow(str(block.tool_name) || 'tool'))}${block.tool_use_id ? c.dim(` ${str(block.tool_use_id)}`) : ''}`;
      if (compact.length <= 100) return [`${head} ${c.dim(compact)}`];
      return [head, ...fold(input, FOLD.toolInput, options, (s) => c.dim(s))];
    }
    case 'tool_result': {
      const failed = block.is_error === true;
      const head = `  ${failed ? c.red('✗ tool result (error)') : c.cyan('↳ tool result')}${block.tool_result_id ? c.dim(` ${str(block.tool_result_id)}`) : ''}`;
      const output = str(block.tool_output) || str(block.text);
      return output ? [head, ...fold(output, FOLD.toolOutput, options, (s) => c.dim(s))] : [head];
    }
    case 'image':
      return [c.dim(`  [image${block.media_type ? ` ${str(block.media_type)}` : ''}]`)];
    default:
      return [c.dim(`  [${type}]${block.text ? ` ${str(block.text)}` : ''}`)];
  }
}

/** The first `keep` lines and a note of how many more, unless `full`. */
function fold(text: string, keep: number, options: TranscriptOptions, paint: (s: string) => string): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  if (options.full || lines.length <= keep + 2) return indent(lines.join('\n'), '    ').map(paint);
  const shown = indent(lines.slice(0, keep).join('\n'), '    ').map(paint);
  return [...shown, options.color.dim(options.color.italic(`    … ${lines.length - keep} more lines (--full shows them)`))];
}

function indent(text: string, prefix = '  '): string[] {
  return text.split('\n').map((line) => `${prefix}${line}`);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value);
}
