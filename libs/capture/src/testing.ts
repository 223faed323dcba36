// The second public entry of libs/capture, for tests only: a catalog fixture as a captured exchange.
// Apps never import it (their bundles stay free of @tapes/testing).
import { readFixture, type TurnFixture } from '@tapes/testing';
import { capturedTurn, type CapturedTurn } from './index';

type CaptureFields = Parameters<typeof capturedTurn>[0];

/**
 * A catalog fixture as the proxy captures it: `POST` to its path answered 200, its request as JSON
 * and its recorded response bytes with the fixture's content type. Anything else a test needs
 * (ids, headers, times, another body) comes in `overrides`.
 */
export function fixtureTurn(fixture: TurnFixture, overrides: Partial<CaptureFields> = {}): CapturedTurn {
  return capturedTurn({
    requestId: `req-${fixture.name}`,
    site: 'proxy',
    provider: fixture.provider,
    api: fixture.api,
    method: 'POST',
    path: fixture.path,
    status: 200,
    requestHeaders: { 'content-type': 'application/json' },
    responseHeaders: fixture.contentType ? { 'content-type': fixture.contentType } : {},
    requestBody: Buffer.from(JSON.stringify(fixture.request)),
    responseBody: readFixture(fixture.responseFile),
    startedAt: new Date(0),
    endedAt: new Date(0),
    ...overrides,
  });
}
