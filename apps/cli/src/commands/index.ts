import type { CliCommand } from '../cli-command';
import { doctorCommand } from './doctor.command';
import { exportCommand } from './export.command';
import { rederiveCommand } from './rederive.command';
import { replayCommand } from './replay.command';
import { searchCommand } from './search.command';
import { sessionsCommand } from './sessions.command';
import { showCommand } from './show.command';
import { startCommand } from './start.command';

/**
 * Every `tapes` command, in the order `tapes --help` lists them. A new command is one file in this
 * folder exporting a CliCommand and one entry here (apps/cli/README.md, "Adding a command").
 */
export const COMMANDS: readonly CliCommand[] = [startCommand, sessionsCommand, showCommand, searchCommand, exportCommand, replayCommand, rederiveCommand, doctorCommand];
