#!/usr/bin/env node
// The `tapes` executable (the workspace package.json's "bin"). It runs the CLI from its TypeScript
// sources through @swc-node/register, so a fresh clone needs no build step: `npm ci && npm run
// prisma:generate` and `npx tapes` works (≈0.5 s to start; see apps/cli/README.md "Why from source").
// The workspace's path aliases (@tapes/*) come from tsconfig.base.json.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
process.env.SWC_NODE_PROJECT = path.join(root, 'tsconfig.base.json');
require('@swc-node/register');
require(path.join(root, 'apps/cli/src/main.ts'));
