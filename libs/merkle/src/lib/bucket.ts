import type { ContentBlock, Message } from '@tapes/llm';

/**
 * The hashed content of a node (ref §2.1). Everything here is part of the node's identity;
 * metadata that must not change the hash (stop reason, usage, project, timestamps) lives on
 * {@link NodeMeta} instead.
 */
export interface Bucket {
  /** Always `"message"` in practice. */
  type: string;
  role: string;
  content: ContentBlock[];
  /** The request's model for request messages, the response's model for the response. */
  model: string;
  provider: string;
  /** Omitted from the hash when empty. */
  agent_name?: string;
}

export function messageBucket(
  message: Message,
  context: { model: string; provider: string; agentName?: string | undefined },
): Bucket {
  const bucket: Bucket = {
    type: 'message',
    role: message.role,
    content: message.content,
    model: context.model,
    provider: context.provider,
  };
  if (context.agentName) bucket.agent_name = context.agentName;
  return bucket;
}

/**
 * Plain text of a bucket for previews and search (Go `ExtractText`), with tool inputs listed in
 * sorted key order so the result is deterministic (Go used map order; ref §13 item 13).
 */
export function bucketText(bucket: Bucket): string {
  const parts: string[] = [];
  for (const block of bucket.content) {
    if (block.text) parts.push(block.text);
    else if (block.tool_output) parts.push(block.tool_output);
    else if (block.tool_name) {
      const input = block.tool_input ?? {};
      const keys = Object.keys(input).sort();
      const args = keys.map((k) => `${k}: ${formatValue(input[k])}`).join(', ');
      parts.push(keys.length ? `Tool call: ${block.tool_name}(${args})` : `Tool call: ${block.tool_name}`);
    }
  }
  return parts.join('\n');
}

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
