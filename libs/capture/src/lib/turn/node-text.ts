import type { Node } from '@tapes/merkle';

/**
 * What search finds a node by: its text, its reasoning, the tools it called with their input, and
 * what those tools returned. Images and opaque provider blocks hold nothing a person types into a
 * search box, so they are left out.
 */
export function nodeSearchText(node: Node): string {
  const parts: string[] = [];
  for (const block of node.bucket.content) {
    if (block.text) parts.push(block.text);
    if (block.thinking) parts.push(block.thinking);
    if (block.tool_name) parts.push(block.tool_input && Object.keys(block.tool_input).length > 0 ? `${block.tool_name} ${JSON.stringify(block.tool_input)}` : block.tool_name);
    if (block.tool_output) parts.push(block.tool_output);
  }
  return parts.join('\n');
}
