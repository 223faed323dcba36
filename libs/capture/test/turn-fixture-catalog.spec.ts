import { isComplete } from '@tapes/llm';
import { readFixture, TURN_FIXTURES } from '@tapes/testing';
import { createDefaultReducers, deriveTurn, parseRequestBody, reduceBody, selectReducer, TURN_APIS } from '../src/index';

const reducers = createDefaultReducers();

/**
 * The catalog every capture site's tests iterate must agree with the reducers: each entry's path
 * selects its API, its request parses, and its response reduces to the completeness and the
 * diagnostics the entry promises. A wrong catalog entry would make every site's test wrong alike.
 */
describe('TURN_FIXTURES agree with the reducers', () => {
  it('covers every provider API', () => {
    expect(new Set(TURN_FIXTURES.map((f) => f.api))).toEqual(new Set(TURN_APIS));
    expect(new Set(TURN_FIXTURES.map((f) => f.name)).size).toBe(TURN_FIXTURES.length);
  });

  it.each(TURN_FIXTURES.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
    const reducer = selectReducer(reducers, { path: fixture.path });
    expect(reducer?.api).toBe(fixture.api);
    expect(reducer?.provider).toBe(fixture.provider);
    const request = parseRequestBody(reducer!, JSON.stringify(fixture.request), { path: fixture.path });
    expect(request.messages.length).toBeGreaterThan(0);
    const response = reduceBody(reducer!, readFixture(fixture.responseFile), { contentType: fixture.contentType });
    expect(isComplete(response)).toBe(fixture.complete);
    for (const code of fixture.diagnostics ?? []) expect(response.diagnostics.map((d) => d.code)).toContain(code);
    const turn = deriveTurn({ reducer: reducer!, request: { document: fixture.request }, response, path: fixture.path });
    expect(turn.outcome).toBe(fixture.complete ? 'complete' : turn.outcome === 'unreduced' ? 'unreduced' : 'partial');
    if (turn.outcome !== 'unreduced') expect(turn.nodes).toHaveLength(request.messages.length + 1);
  });
});
