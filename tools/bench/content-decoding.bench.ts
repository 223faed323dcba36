/**
 * Content-decoding throughput of the capture copy, against one-shot decoders measured in the same
 * run.
 *
 *   SWC_NODE_PROJECT=tsconfig.base.json node --expose-gc -r @swc-node/register tools/bench/content-decoding.bench.ts [MiB]
 *
 * Each ContentDecoder row feeds a compressed body in 16 KiB chunks, as a capture site tees them,
 * and waits for `end()`; its baseline decodes the whole buffer in one synchronous call
 * (zlib.gunzipSync, fzstd.decompress, zlib.brotliDecompressSync). MB/s is decoded megabytes per
 * second, best of 7 timed runs after 3 warm-up runs (median beside it). The body is the synthetic
 * Claude Code SSE turn of the reducer benchmark: long, text-heavy, compressible like real traffic.
 */
import './lib/aliases';
import zlib from 'node:zlib';
import { decompress as fzstdDecompress } from 'fzstd';
import { compress as zstdCompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { ContentDecoder } from '@tapes/capture';
import { claudeCodeToolUseStream } from './lib/claude-code-stream';
import { chunksOf } from './lib/measure';

const CHUNK_BYTES = 16 * 1024;

interface Row {
  name: string;
  encoded: Uint8Array;
  /** Decodes the body, resolving to the number of decoded bytes. */
  run: (encoded: Uint8Array) => Promise<number>;
}

async function viaContentDecoder(header: string, encoded: Uint8Array): Promise<number> {
  let decoded = 0;
  const decoder = new ContentDecoder(header, { onData: (chunk) => (decoded += chunk.byteLength) });
  for (const chunk of chunksOf(encoded, CHUNK_BYTES)) decoder.write(chunk);
  const result = await decoder.end();
  if (result.outcome !== 'decoded') throw new Error(`${header}: ${result.outcome} ${result.message ?? ''}`);
  return decoded;
}

async function timeAsync(run: () => Promise<number>, { warmup = 3, runs = 7 } = {}): Promise<{ bestMs: number; medianMs: number; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < warmup; i++) bytes = await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = process.hrtime.bigint();
    bytes = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { bestMs: times[0]!, medianMs: times[Math.floor(times.length / 2)]!, bytes };
}

async function main(): Promise<void> {
  await zstdInit();
  const targetMiB = Number(process.argv[2] ?? 12);
  const plain = claudeCodeToolUseStream(targetMiB * 1024 * 1024).body;
  const gzip = zlib.gzipSync(plain);
  const zstd = zstdCompress(plain, 3);
  const br = zlib.brotliCompressSync(plain, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });

  const rows: Row[] = [
    { name: 'baseline: zlib.gunzipSync (whole buffer)', encoded: gzip, run: async (e) => zlib.gunzipSync(e).byteLength },
    { name: 'ContentDecoder gzip (16 KiB chunks)', encoded: gzip, run: (e) => viaContentDecoder('gzip', e) },
    { name: 'baseline: fzstd.decompress (whole buffer)', encoded: zstd, run: async (e) => fzstdDecompress(e).byteLength },
    { name: 'ContentDecoder zstd (16 KiB chunks)', encoded: zstd, run: (e) => viaContentDecoder('zstd', e) },
    { name: 'baseline: zlib.brotliDecompressSync (whole buffer)', encoded: br, run: async (e) => zlib.brotliDecompressSync(e).byteLength },
    { name: 'ContentDecoder br (16 KiB chunks)', encoded: br, run: (e) => viaContentDecoder('br', e) },
  ];

  console.log(`node ${process.version}, decoded body ${(plain.length / 1e6).toFixed(1)} MB; encoded: gzip ${(gzip.length / 1e6).toFixed(2)} MB, zstd ${(zstd.length / 1e6).toFixed(2)} MB, br ${(br.length / 1e6).toFixed(2)} MB`);
  console.log();
  console.log(`${'row'.padEnd(52)} ${'best MB/s'.padStart(10)} ${'median'.padStart(8)}`);
  for (const row of rows) {
    const time = await timeAsync(() => row.run(row.encoded));
    if (time.bytes !== plain.length) throw new Error(`${row.name}: decoded ${time.bytes} bytes, expected ${plain.length}`);
    const mbps = (ms: number) => (plain.length / 1e6 / (ms / 1000)).toFixed(1);
    console.log(`${row.name.padEnd(52)} ${mbps(time.bestMs).padStart(10)} ${mbps(time.medianMs).padStart(8)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
