import type { AgentLauncher } from './agent-launcher';
import { claudeAgent } from './claude.agent';
import { codexAgent } from './codex.agent';
import { geminiAgent } from './gemini.agent';
import { opencodeAgent } from './opencode.agent';

/** The agents `tapes start` launches; a new one is a file here and an entry in this list. */
export const AGENTS: readonly AgentLauncher[] = [claudeAgent, codexAgent, geminiAgent, opencodeAgent];

export type { AgentLauncher, AgentLaunch } from './agent-launcher';
