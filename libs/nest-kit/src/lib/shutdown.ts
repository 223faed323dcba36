import type { INestApplication, LoggerService } from '@nestjs/common';

/**
 * Graceful stop on SIGINT (Ctrl-C) and SIGTERM (Kubernetes, `nx serve` ending): the app closes —
 * every shutdown hook runs, so capture drains into storage or the spool — and the process exits
 * 0, because a stop that was asked for and went well is a success (`nx serve` then ends quietly;
 * Nest's own shutdown hooks re-raise the signal, exit 130). A second signal while closing exits
 * at once (130 for SIGINT, 143 for SIGTERM): what was not drained is in the spool or the journal.
 */
export function closeOnSignals(app: INestApplication, logger: LoggerService): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn?.(`${signal} again: exiting without waiting`, 'Shutdown');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    closing = true;
    logger.log(`${signal}: stopping`, 'Shutdown');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(err instanceof Error ? (err.stack ?? err.message) : String(err), 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
