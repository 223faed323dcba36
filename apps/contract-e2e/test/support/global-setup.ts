import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureFreshBundles } from './app-bundles';
import { RUN_DIR_ENV } from './run-report';

/** Runs once before every test file: fresh app bundles, and the run folder for the summary. */
export default function globalSetup(): void {
  const built = ensureFreshBundles();
  if (built.length > 0) console.log(`contract-e2e: built ${built.join(', ')} (bundles were missing or older than their sources)`);
  // Workers inherit the environment of the process that ran the global setup.
  process.env[RUN_DIR_ENV] = mkdtempSync(path.join(os.tmpdir(), 'tapes-e2e-run-'));
}
