/**
 * Benches import the libs by their `@tapes/*` aliases, which @swc-node/register resolves only when
 * it reads tsconfig.base.json's paths: from SWC_NODE_PROJECT, or from the root tsconfig.json when
 * started in the repository root. Imported first (before any alias), this re-runs a bench started
 * without SWC_NODE_PROJECT once with it set, wherever it was started, and exits with its status:
 * the compiled CommonJS requires its imports in order, so none after this one is reached in the
 * first process. Child processes a bench starts inherit the variable.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

if (!process.env['SWC_NODE_PROJECT']) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, SWC_NODE_PROJECT: path.resolve(__dirname, '../../../tsconfig.base.json') },
  });
  process.exit(child.status ?? 1);
}
