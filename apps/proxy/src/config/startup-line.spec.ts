import { parseConfig } from '@tapes/nest-kit';
import { proxyConfigSchema } from './proxy-config';
import { startupLines } from './startup-line';

function linesFor(env: Record<string, string>, port = 8080): string[] {
  return startupLines(parseConfig('tapes proxy', proxyConfigSchema, env), port).lines;
}

describe('the start-up announcement (#10)', () => {
  it('says where it listens, where turns go, the upstreams, and how to point agents, in that order', () => {
    const lines = linesFor({ TAPES_DATA_DIR: '/data/tapes' });
    expect(lines[0]).toBe('tapes proxy listening on http://127.0.0.1:8080');
    expect(lines[1]).toBe('  storing turns in SQLite /data/tapes/tapes.db (journal /data/tapes/journal)');
    expect(lines[2]).toMatch(/^ {2}upstreams: anthropic https:\/\/api.anthropic.com · openai https:\/\/api.openai.com · ollama http:\/\/localhost:11434/);
    expect(lines[3]).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:8080  OPENAI_BASE_URL=http://127.0.0.1:8080/v1  OLLAMA_HOST=http://127.0.0.1:8080');
  });

  it('shows an overridden upstream as set', () => {
    expect(linesFor({ TAPES_UPSTREAM_OLLAMA: 'http://gpu-box:11434' })[2]).toContain('ollama http://gpu-box:11434 (set)');
  });

  it('says when it is bound beyond this machine, with the real bind address', () => {
    expect(linesFor({ TAPES_PROXY_LISTEN: '0.0.0.0:9000' }, 9000)[0]).toBe('tapes proxy listening on http://127.0.0.1:9000 — bound to 0.0.0.0: reachable from other machines');
  });

  it('hides a database password', () => {
    expect(linesFor({ DATABASE_URL: 'postgresql://tapes:s3cret@db:5432/tapes' })[1]).toBe('  storing turns in PostgreSQL postgresql://tapes:***@db:5432/tapes (journal ' + `${process.cwd()}/.tapes/journal)`);
  });
});
