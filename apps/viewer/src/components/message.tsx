import type { ContentBlockJson, NodeJson } from '../api/types';
import { answeredCall, ContentBlockView, type BlockContext } from './blocks';

/** Which blocks of a message to show: a result already drawn under its call is left out here. */
export function visibleBlocks(node: NodeJson, shownWithCall?: ReadonlySet<string>): ContentBlockJson[] {
  return node.bucket.content.filter((block) => {
    const id = answeredCall(block);
    return !(id && shownWithCall?.has(id));
  });
}

/** One message of a transcript: who said it and its blocks in order. */
export function MessageView({ node, ctx, shownWithCall, focused }: { node: NodeJson; ctx: Omit<BlockContext, 'role'>; shownWithCall?: ReadonlySet<string>; focused?: boolean }) {
  const role = node.bucket.role;
  const blocks = visibleBlocks(node, shownWithCall);
  return (
    <article class={`message ${role}${focused ? ' focused' : ''}`} data-hash={node.hash} data-role={role}>
      <header class="message-head">
        <span class={`role ${role}`}>{node.bucket.agent_name && role === 'assistant' ? `${role} · ${node.bucket.agent_name}` : role}</span>
        {node.bucket.model && role === 'assistant' && <span class="muted"> {node.bucket.model}</span>}
        {node.stop_reason && <span class="muted"> · {node.stop_reason}</span>}
      </header>
      {blocks.length === 0 ? (
        <div class="muted">(no content)</div>
      ) : (
        blocks.map((block, i) => <ContentBlockView key={i} block={block} ctx={{ ...ctx, role }} />)
      )}
    </article>
  );
}
