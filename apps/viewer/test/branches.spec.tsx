import { render } from '@testing-library/preact';
import type { SessionDagJson } from '../src/api/types';
import { layoutDag } from '../src/pages/branches';
import { Snippet } from '../src/pages/sessions-page';

type Node = SessionDagJson['nodes'][number];
const node = (hash: string, parent: string | null, thread: string | null = '', preview = hash): Node => ({ hash, parent_hash: parent, role: 'user', block_types: ['text'], preview, turn_id: null, thread_id: thread, created_at: `2026-11-30T10:00:00.${hash.padStart(6, '0')}Z` });

describe('the branches picture (#15)', () => {
  // main: a-b-c-d-e, and a retry forking after c: c-x; the subagent: s1-s2-s3.
  const dag: SessionDagJson = {
    session_id: 's',
    nodes: [node('a', null), node('b', 'a'), node('c', 'b'), node('d', 'c'), node('x', 'c'), node('e', 'd'), node('s1', null, 'agent'), node('s2', 's1', 'agent'), node('s3', 's2', 'agent')],
    turns: [],
    heads: [
      { thread_id: '', hash: 'x' },
      { thread_id: 'agent', hash: 's3' },
    ],
    forks: ['c'],
    complete: true,
  };

  it('folds straight runs and keeps roots, forks, branch starts, heads and leaves', () => {
    const drawn = layoutDag(dag);
    expect(drawn.map((n) => [n.node.hash, n.parent, n.skipped])).toEqual([
      ['a', null, 0],
      ['c', 'a', 1],
      ['x', 'c', 0],
      ['d', 'c', 0],
      ['e', 'd', 0],
      ['s1', null, 0],
      ['s3', 's1', 1],
    ]);
  });

  it('puts the head branch first (leftmost) and marks the path to it', () => {
    const drawn = new Map(layoutDag(dag).map((n) => [n.node.hash, n]));
    expect(drawn.get('x')).toMatchObject({ x: 0, onHead: true, isHead: true });
    expect(drawn.get('d')).toMatchObject({ x: 1, onHead: false });
    expect(drawn.get('c')).toMatchObject({ isFork: true, onHead: true });
    expect(drawn.get('s1')!.x).toBeGreaterThan(1); // the subagent's tree beside the main one
  });
});

describe('a search snippet', () => {
  it('marks the matches and never renders the text as HTML', () => {
    const { container } = render(<Snippet text={'…the [upstream] <b>call</b> and [upstream]…'} />);
    expect([...container.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['upstream', 'upstream']);
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toContain('<b>call</b>');
  });
});
