import { defineConfig } from 'vite';

/**
 * The viewer (#15) builds into plain static files (tools/build/build-viewer.mjs): relative asset
 * URLs (`base: './'`) so one build works wherever an app mounts it (the proxy's /_tapes/, ingest's
 * /ui/), everything bundled (no CDN: it works offline). `nx serve viewer` runs Vite's dev server
 * against a proxy already running on 127.0.0.1:8080 (TAPES_VIEWER_DEV_API to point elsewhere).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env['TAPES_VIEWER_OUT_DIR'] ?? '../../dist/apps/viewer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': { target: process.env['TAPES_VIEWER_DEV_API'] ?? 'http://127.0.0.1:8080/_tapes', changeOrigin: false } },
  },
});
