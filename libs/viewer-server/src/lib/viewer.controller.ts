import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { TapesError } from '@tapes/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ViewerFiles } from './viewer-files';
import { VIEWER_FILES } from './viewer.tokens';

/**
 * The page's own rules, on top of the app's access rules (the global read guard, #13): captured
 * content is untrusted, so the page runs only its own script, talks only to its own origin, loads
 * images only from itself or inline (thumbnails are data: URLs), and cannot be framed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The viewer (#15) as Nest routes, so they pass the same guards, filters and logs as the read API
 * they sit beside. Paths are relative to where the app mounts the module (`/_tapes` on the proxy,
 * `/ui` on ingest). The page uses hash routes (`#/sessions/<id>`), so the server only ever serves
 * the page itself and its assets.
 */
@Controller()
export class ViewerController {
  constructor(@Inject(VIEWER_FILES) private readonly files: ViewerFiles) {}

  /** `/_tapes` → `/_tapes/`: the page's relative URLs (assets, the API) resolve against the slash. */
  @Get()
  toSlash(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const url = req.originalUrl ?? req.url;
    const query = url.indexOf('?');
    const bare = query === -1 ? url : url.slice(0, query);
    void reply.redirect(`${bare}/${query === -1 ? '' : url.slice(query)}`, 308);
  }

  /**
   * The page. `'//'` because Nest strips one trailing slash from every route path; this keeps the
   * route at `<mount>/` (viewer-server's test pins it).
   */
  @Get('//')
  async page(@Res() reply: FastifyReply): Promise<void> {
    if (!this.files.built) throw new TapesError('not_found', 'the viewer is not built: run `npx nx build viewer` (nx serve proxy and the app builds do it)');
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(await this.files.page());
  }

  @Get('assets/:name')
  async asset(@Param('name') name: string, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.files.asset(name);
    if (!file) throw new TapesError('not_found', `no viewer asset ${JSON.stringify(name).slice(0, 80)}`);
    void reply
      .header('content-type', file.contentType)
      // Vite names assets by content hash: a name never changes meaning.
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(file.body);
  }
}
