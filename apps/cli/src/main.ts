import { runCli } from './program';

/** The process around the CLI: real streams and environment in, the exit code out. */
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then(
  (code) => {
    process.exitCode = code;
    // Exit once stdout has taken the last write: an idle pool or timer must not keep `tapes` alive.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    console.error('tapes: unexpected failure:', err);
    process.exit(1);
  },
);
