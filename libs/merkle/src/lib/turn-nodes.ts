import type { ChatRequest, ChatResponse } from '@tapes/llm';
import { messageBucket } from './bucket';
import { createNode, type Node } from './node';

export interface TurnContext {
  provider: string;
  agentName?: string | undefined;
  project?: string | undefined;
}

/**
 * The nodes of one turn, root first (ref §1.4): one per request message, chained, then the
 * response node carrying the stop reason and usage. The whole replayed history is rebuilt every
 * turn; identical prefixes hash alike, so storage deduplicates them. The system prompt is not a
 * node (it stays in the raw request bytes).
 */
export function turnNodes(request: ChatRequest, response: ChatResponse, context: TurnContext): Node[] {
  const nodes: Node[] = [];
  let parent: Node | null = null;
  const meta = context.project ? { project: context.project } : {};
  for (const message of request.messages) {
    const bucket = messageBucket(message, { model: request.model, provider: context.provider, agentName: context.agentName });
    parent = createNode(bucket, parent, meta);
    nodes.push(parent);
  }
  const responseBucket = messageBucket(response.message, {
    model: response.model || request.model,
    provider: context.provider,
    agentName: context.agentName,
  });
  nodes.push(
    createNode(responseBucket, parent, {
      ...meta,
      ...(response.stop_reason ? { stop_reason: response.stop_reason } : {}),
      ...(response.usage ? { usage: response.usage } : {}),
    }),
  );
  return nodes;
}
