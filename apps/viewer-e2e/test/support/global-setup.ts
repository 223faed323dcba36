import { ensureFreshBundles } from './bundles';

export default function globalSetup(): void {
  const built = ensureFreshBundles(['proxy', 'ingest']);
  if (built.length > 0) console.log(`viewer-e2e: built ${built.join(', ')} (bundles were missing or older than their sources)`);
}
