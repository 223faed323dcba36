import { snippetOf } from './search-index';

describe('snippetOf (PostgreSQL search snippets, shaped like SQLite FTS5 snippet())', () => {
  it('keeps the words around the first match, marks every match and says where the text goes on', () => {
    const text = `${Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')} the Upstream answered 502 ${Array.from({ length: 30 }, (_, i) => `v${i}`).join(' ')} upstream again`;
    expect(snippetOf(text, ['upstream'])).toBe('…w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 the [Upstream] answered 502 v0 v1 v2 v3 v4 v5 v6 v7 v8 v9…');
  });

  it('compares whole words as the index tokenises them, across newlines and punctuation', () => {
    expect(snippetOf('grep -rn "upstream_url"\nupstream, done', ['upstream'])).toBe('grep -rn "upstream_url" [upstream], done');
    expect(snippetOf('nothing here', ['absent'])).toBe('nothing here');
  });
});
