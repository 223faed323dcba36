import { createNode, type Node } from '@tapes/merkle';
import { InvalidTurnError } from './errors';
import type { TurnRecord } from '@tapes/capture';
import { TURN_LIMITS, validateTurn } from './validate-turn';

function chain(n: number): Node[] {
  const nodes: Node[] = [];
  let parent: Node | null = null;
  for (let i = 0; i < n; i++) {
    parent = createNode({ type: 'message', role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: `m${i}` }], model: 'm', provider: 'p' }, parent);
    nodes.push(parent);
  }
  return nodes;
}

const turn = (overrides: Partial<TurnRecord> = {}): TurnRecord => ({
  requestId: 'req-1',
  provider: 'anthropic',
  captureSite: 'proxy',
  outcome: 'complete',
  nodes: chain(3),
  ...overrides,
});

function refusal(record: TurnRecord, limits = TURN_LIMITS): InvalidTurnError {
  try {
    validateTurn(record, limits);
  } catch (error) {
    if (error instanceof InvalidTurnError) return error;
    throw error;
  }
  throw new Error('expected the turn to be refused');
}

describe('validateTurn', () => {
  it('accepts a chain, and one that continues a stored node', () => {
    expect(validateTurn(turn()).contentJson).toHaveLength(3);
    const nodes = chain(4);
    expect(() => validateTurn(turn({ nodes: nodes.slice(2) }))).not.toThrow();
    expect(() => validateTurn(turn({ nodes: [] }))).not.toThrow();
  });

  it('recomputes every hash', () => {
    const nodes = chain(3);
    nodes[1] = { ...nodes[1]!, bucket: { ...nodes[1]!.bucket, role: 'system' } };
    expect(refusal(turn({ nodes }))).toMatchObject({ code: 'invalid_hash', field: 'nodes[1].hash' });
  });

  it('ignores stored-only metadata when hashing (usage, stop reason, project)', () => {
    const nodes = chain(2).map((n) => ({ ...n, usage: { total_tokens: 3 }, stop_reason: 'end_turn', project: 'x' }));
    expect(() => validateTurn(turn({ nodes }))).not.toThrow();
  });

  it('requires node i’s parent to be node i-1', () => {
    const a = chain(2);
    const b = chain(3);
    expect(refusal(turn({ nodes: [a[0]!, b[2]!] }))).toMatchObject({ code: 'broken_chain', field: 'nodes[1].parent_hash' });
    expect(refusal(turn({ nodes: [a[1]!, a[0]!] }))).toMatchObject({ code: 'broken_chain' });
  });

  it.each<[string, Partial<TurnRecord>, string]>([
    ['empty request id', { requestId: ' ' }, 'requestId'],
    ['missing provider', { provider: undefined as unknown as string }, 'provider'],
    ['unknown capture site', { captureSite: 'x' as 'proxy' }, 'captureSite'],
    ['unknown outcome', { outcome: 'done' as 'complete' }, 'outcome'],
    ['fractional status', { status: 200.5 }, 'status'],
    ['string body', { requestBody: 'text' as unknown as Uint8Array }, 'requestBody'],
    ['invalid date', { startedAt: new Date('nope') }, 'startedAt'],
    ['header of numbers', { requestHeaders: { a: 1 as unknown as string } }, 'requestHeaders.a'],
    ['diagnostic without detail', { diagnostics: [{ code: 'incomplete' } as never] }, 'diagnostics[0]'],
    ['nodes not an array', { nodes: {} as Node[] }, 'nodes'],
  ])('refuses %s as invalid_field', (_name, overrides, field) => {
    expect(refusal(turn(overrides))).toMatchObject({ code: 'invalid_field', field });
  });

  it.each<[string, Partial<TurnRecord>, string]>([
    ['a body over 64 MiB', { responseBody: new Uint8Array(TURN_LIMITS.maxBodyBytes + 1) }, 'responseBody'],
    ['a long request id', { requestId: 'r'.repeat(513) }, 'requestId'],
    ['huge headers', { requestHeaders: { big: 'x'.repeat(300 * 1024) } }, 'requestHeaders'],
    ['too many diagnostics', { diagnostics: Array.from({ length: 1001 }, () => ({ code: 'parse_error' as const, detail: '' })) }, 'diagnostics'],
  ])('refuses %s as oversize_field', (_name, overrides, field) => {
    expect(refusal(turn(overrides))).toMatchObject({ code: 'oversize_field', field });
  });

  it('caps a node’s content and the node count', () => {
    const small = { ...TURN_LIMITS, maxNodeContentBytes: 100, maxNodes: 2 };
    expect(refusal(turn({ nodes: chain(3) }), small)).toMatchObject({ code: 'oversize_field', field: 'nodes' });
    const big = createNode({ type: 'message', role: 'user', content: [{ type: 'text', text: 'é'.repeat(60) }], model: 'm', provider: 'p' }, null);
    expect(refusal(turn({ nodes: [big] }), small)).toMatchObject({ code: 'oversize_field', field: 'nodes[0].bucket.content' });
  });

  it('refuses a first parent that is not a hash', () => {
    const [root] = chain(1);
    const odd = { ...root!, parent_hash: 'not-a-hash' };
    expect(refusal(turn({ nodes: [odd] }))).toMatchObject({ code: 'invalid_field', field: 'nodes[0].parent_hash' });
  });
});
