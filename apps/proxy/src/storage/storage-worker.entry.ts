// Entry of the storage thread when the proxy runs from TypeScript (tests, the benchmark); the
// bundle starts the thread from main.js itself (see main.ts).
import { runStorageWorker } from './storage-worker';

runStorageWorker();
