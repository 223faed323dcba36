import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** A file of the viewer's build, ready to send. */
export interface ViewerFile {
  body: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Asset names as Vite writes them (`index-B1x2y3.js`): no directories, no dot-files, nothing to traverse with. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Where the viewer's build is: beside the app bundle (`dist/apps/<app>/viewer`, which
 * tools/build/build-app.mjs fills), else the workspace's `dist/apps/viewer` (an app run from source,
 * in tests). Undefined when neither exists: the app then answers that the viewer is not built.
 */
export function defaultViewerRoot(): string | undefined {
  const candidates = [path.join(__dirname, 'viewer')];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) {
      candidates.push(path.join(dir, 'dist', 'apps', 'viewer'));
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

/**
 * The viewer's static build (apps/viewer, built by Vite), served by the app that mounts it. The page
 * is the same file for every mount point; what differs — where the read API is, relative to the
 * page — is written into it as `<meta name="tapes-api">` when it is served, so one build serves the
 * proxy's `/_tapes/` (API at `v1/`) and ingest's `/ui/` (API at `../v1/`).
 */
export class ViewerFiles {
  private index: Promise<Buffer> | undefined;

  constructor(
    readonly root: string | undefined,
    private readonly apiBase: string,
  ) {}

  get built(): boolean {
    return this.root !== undefined && existsSync(path.join(this.root, 'index.html'));
  }

  /** index.html with the API base written in. Read once: the build does not change under a running app. */
  page(): Promise<Buffer> {
    if (!this.root) return Promise.reject(new Error('the viewer is not built'));
    this.index ??= readFile(path.join(this.root, 'index.html'), 'utf8').then((html) => {
      const meta = `<meta name="tapes-api" content="${escapeAttribute(this.apiBase)}">`;
      return Buffer.from(html.includes('</head>') ? html.replace('</head>', `  ${meta}\n  </head>`) : meta + html, 'utf8');
    });
    this.index.catch(() => (this.index = undefined));
    return this.index;
  }

  /** An asset by its bare name; undefined for anything else (unknown, a path, a dot-file). */
  async asset(name: string): Promise<ViewerFile | undefined> {
    if (!this.root || !ASSET_NAME.test(name)) return undefined;
    const contentType = CONTENT_TYPES[path.extname(name).toLowerCase()];
    if (!contentType) return undefined;
    try {
      return { body: await readFile(path.join(this.root, 'assets', name)), contentType };
    } catch {
      return undefined;
    }
  }
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
