import type { TurnRecord } from '@tapes/capture';
import { createNode, type Node } from '@tapes/merkle';
import { openStorage } from '@tapes/storage';

export const LONG_SESSION = '2000aaaa-0000-4000-8000-000000002000';

/**
 * A 2,000-turn Claude Code session written straight into the proxy's SQLite file before the proxy
 * starts: each turn adds the next user message and its answer (a tool call every third turn), as a
 * long agent run does. Built from nodes rather than replayed, because replaying would resend the
 * whole history with every request (quadratic in the turns), which is not what is measured here.
 */
export async function seedLongSession(dataDir: string, turns = 2_000): Promise<void> {
  const store = await openStorage({ dataDir });
  const model = 'claude-sonnet-4-5-20250929';
  let parent: Node | null = null;
  const start = Date.parse('2026-11-29T08:00:00.000Z');
  for (let i = 0; i < turns; i++) {
    const bucket = (role: string, content: Node['bucket']['content']) => ({ type: 'message', role, content, model, provider: 'anthropic' });
    const user = createNode(
      bucket('user', i % 3 === 1 ? [{ type: 'tool_result', tool_result_id: `toolu_long_${i - 1}`, tool_output: `ok ${i}\n`.repeat(3) }] : [{ type: 'text', text: `Step ${i}: continue with the refactor of module ${i % 97}.` }]),
      parent,
    );
    const answer = createNode(
      bucket('assistant', i % 3 === 0 ? [{ type: 'text', text: `Working on step ${i}. I'll run the tests.` }, { type: 'tool_use', tool_use_id: `toolu_long_${i}`, tool_name: 'Bash', tool_input: { command: `npm test -- module-${i % 97}` } }] : [{ type: 'text', text: `Step ${i} done: **${i % 97} modules** refactored.\n\n\`\`\`ts\nexport const step = ${i};\n\`\`\`` }]),
      user,
      { stop_reason: i % 3 === 0 ? 'tool_use' : 'end_turn', usage: { prompt_tokens: 1200 + i, completion_tokens: 80, cache_read_input_tokens: 1000 + i * 10 } },
    );
    const at = new Date(start + i * 4_000);
    const record: TurnRecord = {
      requestId: `long-${i}`,
      provider: 'anthropic',
      api: 'anthropic.messages',
      captureSite: 'proxy',
      method: 'POST',
      path: '/v1/messages',
      status: 200,
      nodes: [user, answer],
      outcome: 'complete',
      startedAt: at,
      firstByteAt: new Date(at.getTime() + 400),
      endedAt: new Date(at.getTime() + 2_500),
      session: { id: LONG_SESSION, threadId: '', harnessId: 'claude', harnessVersion: '2.0.31' },
      model,
      usage: { prompt_tokens: 1200 + i, completion_tokens: 80, cache_read_input_tokens: 1000 + i * 10 },
      nodeText: [JSON.stringify(user.bucket.content), JSON.stringify(answer.bucket.content)],
    };
    await store.storeTurn(record);
    parent = answer;
  }
  await store.close();
}
