import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Module } from '@nestjs/common';
import { APP_FILTER, NestFactory, RouterModule } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { TapesExceptionFilter } from '@tapes/nest-kit';
import { ViewerModule } from '../src/index';

/** A viewer build as Vite writes it: index.html naming hashed assets. */
function fakeBuild(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tapes-viewer-build-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8" />\n    <script type="module" src="./assets/index-AbC123.js"></script>\n  </head>\n  <body></body>\n</html>\n');
  writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log("viewer")');
  writeFileSync(path.join(dir, 'assets', 'index-AbC123.css'), 'body{}');
  writeFileSync(path.join(dir, 'secret.txt'), 'not an asset');
  return dir;
}

async function start(mount: string, apiBase: string, root: string | undefined): Promise<NestFastifyApplication> {
  @Module({ imports: [ViewerModule.register({ apiBase, root }), RouterModule.register([{ path: mount, module: ViewerModule }])], providers: [{ provide: APP_FILTER, useClass: TapesExceptionFilter }] })
  class TestModule {}
  const app = await NestFactory.create<NestFastifyApplication>(TestModule, new FastifyAdapter(), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('ViewerModule: the viewer build as Nest routes (#15)', () => {
  const build = fakeBuild();
  let proxy: NestFastifyApplication;
  let ingest: NestFastifyApplication;
  const get = (app: NestFastifyApplication, url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  beforeAll(async () => {
    proxy = await start('_tapes', 'v1/', build);
    ingest = await start('ui', '../v1/', build);
  });
  afterAll(async () => {
    await proxy.close();
    await ingest.close();
    rmSync(build, { recursive: true, force: true });
  });

  it('serves the page at the mount point with a slash, telling it where the read API is', async () => {
    const page = await get(proxy, '/_tapes/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<meta name="tapes-api" content="v1/">');
    expect(page.body).toContain('./assets/index-AbC123.js');
    const ui = await get(ingest, '/ui/');
    expect(ui.body).toContain('<meta name="tapes-api" content="../v1/">');
    // One build: the two pages differ only in that line.
    expect(ui.body.replace('../v1/', 'v1/')).toBe(page.body);
  });

  it('keeps the token link working: /_tapes?token=… goes to /_tapes/?token=…', async () => {
    const res = await get(proxy, '/_tapes?token=abc');
    expect(res.statusCode).toBe(308);
    expect(res.headers['location']).toBe('/_tapes/?token=abc');
    expect((await get(proxy, '/_tapes/?token=abc')).statusCode).toBe(200);
  });

  it('sends the page with a CSP that allows only its own scripts and inline images, never cached, never framed', async () => {
    const res = await get(proxy, '/_tapes/');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("img-src 'self' data:");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves hashed assets with their type, cached for good', async () => {
    const js = await get(proxy, '/_tapes/assets/index-AbC123.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log("viewer")');
    expect((await get(ingest, '/ui/assets/index-AbC123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it.each(['/_tapes/assets/..%2Fsecret.txt', '/_tapes/assets/..%2F..%2Fetc%2Fpasswd', '/_tapes/assets/.hidden.js', '/_tapes/assets/nope.js', '/_tapes/assets/index-AbC123.exe'])('answers %s with a JSON 404, nothing outside assets/', async (url) => {
    const res = await get(proxy, url);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('says how to build the viewer when there is no build', async () => {
    const app = await start('_tapes', 'v1/', path.join(build, 'missing'));
    const res = await get(app, '/_tapes/');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('nx build viewer');
    await app.close();
  });
});
