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

  it('states the real bind address when it is bound beyond this machine, and that reads are protected (#13)', () => {
    const token = { TAPES_READ_TOKEN: 'r'.repeat(32) };
    const wildcard = linesFor({ TAPES_PROXY_LISTEN: '0.0.0.0:9000', ...token }, 9000);
    expect(wildcard[0]).toBe('tapes proxy listening on 0.0.0.0:9000 (every interface) — reachable from other machines');
    // Agents on this machine still reach it at 127.0.0.1.
    expect(wildcard[3]).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:9000');
    expect(wildcard.at(-1)).toMatch(/^ {2}reads \(\/_tapes\/\*\): protected — token required \(TAPES_READ_TOKEN/);
    expect(linesFor({ TAPES_PROXY_LISTEN: '[::]:9000', ...token }, 9000)[0]).toBe('tapes proxy listening on [::]:9000 (every interface) — reachable from other machines');
    expect(linesFor({ TAPES_PROXY_LISTEN: '192.168.1.5:9000', ...token }, 9000)[0]).toBe('tapes proxy listening on http://192.168.1.5:9000 — reachable from other machines');
  });

  it('says reads are open to this machine only when no read token is set', () => {
    expect(linesFor({}).at(-1)).toBe('  reads (/_tapes/*): no token — anyone on this machine may read (Host must be a loopback name); set TAPES_READ_TOKEN to require one');
    expect(linesFor({ TAPES_ALLOWED_HOSTS: 'tapes.lan, tapes.lan:9000' }).at(-1)).toContain('Host must be a loopback name or one of TAPES_ALLOWED_HOSTS (tapes.lan, tapes.lan:9000)');
  });

  it('never prints the read token', () => {
    const secret = 'never-print-this-token-0123456789';
    expect(linesFor({ TAPES_PROXY_LISTEN: '0.0.0.0:9000', TAPES_READ_TOKEN: secret }, 9000).join('\n')).not.toContain(secret);
  });

  it('hides a database password', () => {
    expect(linesFor({ DATABASE_URL: 'postgresql://tapes:s3cret@db:5432/tapes' })[1]).toBe('  storing turns in PostgreSQL postgresql://tapes:***@db:5432/tapes (journal ' + `${process.cwd()}/.tapes/journal)`);
  });
});
