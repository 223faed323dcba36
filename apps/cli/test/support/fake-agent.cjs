#!/usr/bin/env node
// A stand-in for claude / codex / gemini / opencode in the `tapes start` tests, put first on PATH
// under the agent's name. It records what it was given (argv, environment, stdin, cwd) to
// $FAKE_AGENT_RECORD, writes stdin back to stdout, optionally sends one Anthropic turn through
// ANTHROPIC_BASE_URL the way Claude Code does (HEAD <base> first, then POST /v1/messages with
// ANTHROPIC_CUSTOM_HEADERS), and exits with $FAKE_AGENT_EXIT (or dies by $FAKE_AGENT_SIGNAL).
'use strict';
const fs = require('node:fs');

async function main() {
  const stdin = await new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
  const record = { name: process.env.FAKE_AGENT_NAME, argv: process.argv.slice(2), env: process.env, stdin, cwd: process.cwd() };
  if (process.env.FAKE_AGENT_RECORD) fs.writeFileSync(process.env.FAKE_AGENT_RECORD, JSON.stringify(record));
  process.stdout.write(`agent stdout: ${stdin}`);
  process.stderr.write('agent stderr\n');

  if (process.env.FAKE_AGENT_SEND === 'anthropic') {
    const base = process.env.ANTHROPIC_BASE_URL;
    const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-fake', 'user-agent': 'claude-cli/2.0.31 (external, cli)' };
    for (const line of (process.env.ANTHROPIC_CUSTOM_HEADERS || '').split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    const head = await fetch(base, { method: 'HEAD' });
    const response = await fetch(`${base}/v1/messages`, { method: 'POST', headers, body: fs.readFileSync(process.env.FAKE_AGENT_BODY) });
    process.stdout.write(`\nHEAD ${head.status}; POST ${response.status}\n${await response.text()}`);
  }
  if (process.env.FAKE_AGENT_SIGNAL) process.kill(process.pid, process.env.FAKE_AGENT_SIGNAL);
  else process.exitCode = Number(process.env.FAKE_AGENT_EXIT || 0);
}

main().catch((err) => {
  process.stderr.write(`fake agent failed: ${err && err.stack}\n`);
  process.exit(99);
});
