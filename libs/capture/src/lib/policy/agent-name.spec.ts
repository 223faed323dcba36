import { AGENT_NAME_MAX_BYTES, agentNameProblem, headerText, sanitizeAgentName } from './agent-name';
import { resolveAgentRoute } from './agent-route';

describe('agent names (#13)', () => {
  it.each([
    { name: 'plain ASCII', value: 'claude', problem: undefined },
    { name: 'UTF-8 letters', value: 'café-agent ☕', problem: undefined },
    { name: 'exactly 256 bytes', value: 'é'.repeat(128), problem: undefined },
    { name: '257 bytes', value: `${'é'.repeat(128)}x`, problem: 'must be at most 256 bytes of UTF-8 (got 257)' },
    { name: '15,000 characters', value: 'a'.repeat(15_000), problem: 'must be at most 256 bytes of UTF-8 (got 15000)' },
    { name: 'a newline', value: 'a\nb', problem: 'must not contain control characters' },
    { name: 'an escape sequence', value: 'a\u001b[2Jb', problem: 'must not contain control characters' },
    { name: 'DEL', value: 'a\u007f', problem: 'must not contain control characters' },
    { name: 'a C1 control', value: 'a\u0085', problem: 'must not contain control characters' },
  ])('$name → $problem', ({ value, problem }) => {
    expect(agentNameProblem(value)).toBe(problem);
  });

  it('keeps an acceptable name unchanged and says nothing', () => {
    expect(sanitizeAgentName('  café ')).toEqual({ name: 'café' });
    expect(sanitizeAgentName('   ')).toEqual({});
  });

  it('replaces control characters with U+FFFD and says why', () => {
    const { name, issue } = sanitizeAgentName('evil\r\nINFO forged');
    expect(name).toBe('evil\uFFFD\uFFFDINFO forged');
    expect(issue).toContain('must not contain control characters');
    expect(agentNameProblem(name ?? '')).toBeUndefined();
  });

  it('cuts an over-long name on a character boundary at 256 bytes', () => {
    const { name, issue } = sanitizeAgentName(`x${'é'.repeat(200)}`);
    expect(Buffer.byteLength(name ?? '', 'utf8')).toBeLessThanOrEqual(AGENT_NAME_MAX_BYTES);
    expect(name).toBe(`x${'é'.repeat(127)}`);
    expect(issue).toContain('at most 256 bytes');
  });

  it('a name of control characters only keeps a visible stand-in', () => {
    expect(sanitizeAgentName('\u0001').name).toBe('\uFFFD');
  });

  it('decodes a header Node read as latin1 back to the UTF-8 the client sent', () => {
    const sent = 'café ☕ агент';
    const asNodeGivesIt = Buffer.from(sent, 'utf8').toString('latin1');
    expect(asNodeGivesIt).not.toBe(sent);
    expect(headerText(asNodeGivesIt)).toBe(sent);
  });

  it.each([
    { name: 'ASCII', value: 'claude' },
    { name: 'bytes that are not UTF-8 (a latin1 client)', value: 'caf\u00e9' },
    { name: 'an already decoded value above U+00FF', value: 'агент' },
  ])('leaves $name as it is', ({ value }) => {
    expect(headerText(value)).toBe(value);
  });

  it('the same UTF-8 name via the header and via the path is the same string (same hash)', () => {
    const name = 'café ☕';
    const viaHeader = resolveAgentRoute('/v1/messages', headerText(Buffer.from(name, 'utf8').toString('latin1')));
    const viaPath = resolveAgentRoute(`/agents/${encodeURIComponent(name)}/v1/messages`, undefined);
    expect(viaHeader.agentName).toBe(name);
    expect(viaPath.agentName).toBe(name);
  });

  it.each([
    { name: 'header', path: '/v1/messages', header: `x${'y'.repeat(15_000)}` },
    { name: 'path', path: `/agents/${'y'.repeat(15_000)}/v1/messages`, header: undefined },
    { name: 'header with a newline', path: '/v1/messages', header: 'a\nb' },
    { name: 'path with %0a', path: '/agents/a%0Ab/v1/messages', header: undefined },
  ])('a bad name in the $name is sanitised with an issue, never refused', ({ path, header }) => {
    const route = resolveAgentRoute(path, header);
    expect(route.agentName).toBeDefined();
    expect(agentNameProblem(route.agentName ?? '')).toBeUndefined();
    expect(route.agentNameIssue).toMatch(/agent name/);
    expect(route.path).toBe(header ? path : '/v1/messages');
  });
});
