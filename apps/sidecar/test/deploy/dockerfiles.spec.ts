import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@tapes/testing';
import { parseConfig } from '@tapes/nest-kit';
import { sidecarConfigSchema } from '../../src/config/sidecar-config';

/**
 * The Dockerfiles under docker/ cannot be built here (no Docker); what can be checked is checked:
 * multi-stage, built with the repository's own bundler, every file they copy exists, production
 * dependencies only, a non-root numeric user, a health check, the ports the apps listen on.
 */

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions with line continuations joined and comments dropped; ARG defaults substituted in FROM. */
function parseDockerfile(text: string): Stage[] {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const start = i;
    let line = lines[i] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      line = `${line.slice(0, -1)} ${(lines[i] ?? '').trim()}`;
    }
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`line ${start + 1}: not an instruction: ${line}`);
    const keyword = (match[1] ?? '').toUpperCase();
    const rest = (match[2] ?? '').trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=', 2);
      args.set(name ?? '', value);
      continue;
    }
    if (keyword === 'FROM') {
      const [image = '', , name] = rest.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? '').split(/\s+/);
      stages.push({ from: image, ...(name ? { name } : {}), instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`line ${start + 1}: ${keyword} before FROM`);
    stage.instructions.push({ keyword, args: rest, line: start + 1 });
  }
  return stages;
}

const root = workspaceRoot();
const sidecarDefaults = parseConfig('sidecar', sidecarConfigSchema, {});

const APPS = [
  { app: 'sidecar', ports: [sidecarDefaults.grpc.port, sidecarDefaults.http.port], health: '/health/live', storage: false },
  { app: 'ingest', ports: [8082], health: '/health/live', storage: true },
  { app: 'proxy', ports: [8080], health: '/_tapes/health/live', storage: true },
];

describe.each(APPS)('docker/$app/Dockerfile', ({ app, ports, health, storage }) => {
  const text = readFileSync(path.join(root, 'docker', app, 'Dockerfile'), 'utf8');
  const stages = parseDockerfile(text);
  const runtime = stages[stages.length - 1];
  const all = (keyword: string) => stages.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
  const inRuntime = (keyword: string) => runtime?.instructions.filter((i) => i.keyword === keyword) ?? [];

  it('is multi-stage: dependencies, build and a slim Node 20 runtime', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
    expect(runtime?.from).toMatch(/^node:20[\w.-]*-slim$/);
  });

  it('copies only files that exist in the repository (the build context)', () => {
    const sources = all('COPY')
      .filter((c) => !c.args.includes('--from='))
      .flatMap((c) => c.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect([source, existsSync(path.join(root, source))]).toEqual([source, true]);
    expect(sources).toContain(`apps/${app}`);
  });

  it("installs from the lockfile and builds with the repository's bundler", () => {
    expect(all('RUN').some((r) => /\bnpm ci\b/.test(r.args))).toBe(true);
    const build = stages.find((s) => s.name === 'build');
    expect(build?.instructions.some((i) => i.keyword === 'RUN' && i.args.includes(`node tools/build/build-app.mjs ${app}`))).toBe(true);
    const project = JSON.parse(readFileSync(path.join(root, 'apps', app, 'project.json'), 'utf8')) as { targets: { build: { options: { command: string } } } };
    expect(project.targets.build.options.command).toBe(`node tools/build/build-app.mjs ${app}`);
    if (storage) expect(build?.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('node tools/prisma/generate.mjs'))).toBe(true);
  });

  it('ships production dependencies and the bundle only', () => {
    expect(stages.find((s) => s.name === 'prod-deps')?.instructions.some((i) => /npm (prune|ci) .*--omit=dev/.test(i.args))).toBe(true);
    const copies = inRuntime('COPY').map((c) => c.args);
    expect(copies).toEqual([`--from=prod-deps /repo/node_modules ./node_modules`, `--from=build /repo/dist/apps/${app} ./`]);
    expect(JSON.parse(inRuntime('CMD')[0]?.args ?? '[]')).toEqual(['node', '--enable-source-maps', 'main.js']);
  });

  it('runs as a numeric non-root user', () => {
    const users = inRuntime('USER').map((u) => u.args);
    expect(users).toHaveLength(1);
    const [uid, gid] = (users[0] ?? '').split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // Nothing after USER may need root.
    const userLine = inRuntime('USER')[0]?.line ?? 0;
    expect(inRuntime('RUN').every((r) => r.line < userLine)).toBe(true);
  });

  it('exposes the ports the app listens on by default and checks its health', () => {
    expect(inRuntime('EXPOSE').flatMap((e) => e.args.split(/\s+/).map(Number))).toEqual(ports);
    const check = inRuntime('HEALTHCHECK')[0]?.args ?? '';
    expect(check).toContain(health);
    expect(check).toMatch(/--interval=\d+s/);
  });

  it('has a .dockerignore of its own that keeps node_modules and build output out of the context', () => {
    const ignore = readFileSync(path.join(root, 'docker', app, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git']));
  });
});
