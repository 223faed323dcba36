import { createDefaultReducers, parseRequestBody, reduceBody, selectReducer } from '@tapes/capture';
import type { Diagnostic } from '@tapes/llm';
import { readFixture, TURN_FIXTURES, type TurnFixture } from '@tapes/testing';
import type { NodeJson } from '../src/api/types';

const reducers = createDefaultReducers();

export interface CatalogTurn {
  fixture: TurnFixture;
  /** The request's messages, then the answer, as the read API serves them (nodes, root first). */
  nodes: NodeJson[];
  diagnostics: Diagnostic[];
}

/**
 * Every turn of the fixture catalog as the viewer receives it: the real reducers make the messages
 * (so every block type a provider produces is here), shaped as read-API nodes.
 */
export function catalogTurns(): CatalogTurn[] {
  return TURN_FIXTURES.map((fixture) => {
    const reducer = selectReducer(reducers, { api: fixture.api })!;
    const request = parseRequestBody(reducer, JSON.stringify(fixture.request), { path: fixture.path });
    const response = reduceBody(reducer, readFixture(fixture.responseFile), { contentType: fixture.contentType });
    const messages = [...request.messages, response.message];
    const nodes = messages.map((message, i): NodeJson => ({
      hash: `${fixture.name}#${i}`.padEnd(64, '0'),
      parent_hash: i === 0 ? null : `${fixture.name}#${i - 1}`.padEnd(64, '0'),
      bucket: { type: 'message', role: message.role, content: message.content as unknown as NodeJson['bucket']['content'], model: response.model || String(fixture.request['model'] ?? ''), provider: reducer.provider },
      created_at: '2026-11-30T10:00:00.000000Z',
    }));
    return { fixture, nodes, diagnostics: response.diagnostics };
  });
}
