import { parseConfig } from '@tapes/nest-kit';
import { proxyConfigSchema } from './proxy-config';
import { startupLines } from './startup-line';

describe('the start-up announcement names the viewer (#15)', () => {
  it("prints the viewer's URL, at the address agents and browsers on this machine use", () => {
    const lines = startupLines(parseConfig('tapes proxy', proxyConfigSchema, { TAPES_PROXY_LISTEN: '0.0.0.0:9000', TAPES_READ_TOKEN: 'viewer-read-token-0123456789' }), 9000).lines;
    expect(lines).toContain('  see what was captured: http://127.0.0.1:9000/_tapes/ (the viewer) · read API http://127.0.0.1:9000/_tapes/v1/');
  });
});
