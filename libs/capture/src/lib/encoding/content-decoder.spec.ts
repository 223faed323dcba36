import zlib from 'node:zlib';
import fc from 'fast-check';
import { DEFAULT_CODINGS, REFERENCE_CODINGS } from './content-codings';
import { ContentDecoder } from './content-decoder';
import { decodeBody } from './decode-body';
import { DEFAULT_MAX_DECODED_BYTES } from './decode-result';
import { encode, initCorpusCompressors } from '../../../test/content-encoding-corpus/corpus-body';

/** Behaviour beyond the shared corpus: the product codings (deflate, br), stacks, bombs, the API. */

const PLAIN = Buffer.from('{"model":"llama3.2","message":{"role":"assistant","content":"hello there"},"done":true}\n'.repeat(40));

beforeAll(() => initCorpusCompressors());

async function decodeChunked(body: Buffer, header: string, sizes: readonly number[], options: { maxDecodedBytes?: number } = {}) {
  const chunks: Uint8Array[] = [];
  const decoder = new ContentDecoder(header, { ...options, onData: (c) => chunks.push(c) });
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    decoder.write(body.subarray(at, at + size));
    at += size;
  }
  return { result: await decoder.end(), body: Buffer.concat(chunks) };
}

describe('ContentDecoder with DEFAULT_CODINGS', () => {
  const STACKS: ReadonlyArray<{ header: string; layers: string[] }> = [
    { header: 'deflate', layers: ['deflate'] },
    { header: 'br', layers: ['br'] },
    { header: 'BR', layers: ['br'] },
    { header: 'gzip, br', layers: ['gzip', 'br'] },
    { header: 'br, deflate', layers: ['br', 'deflate'] },
    { header: 'deflate, zstd', layers: ['deflate', 'zstd'] },
    { header: 'zstd, identity, gzip, br', layers: ['zstd', 'gzip', 'br'] },
  ];

  it.each(STACKS)('decodes "$header"', async ({ header, layers }) => {
    const result = await decodeBody(encode(PLAIN, layers), header, { codings: DEFAULT_CODINGS });
    expect(result.outcome).toBe('decoded');
    expect(result.body.equals(PLAIN)).toBe(true);
  });

  it.each(STACKS)('decodes "$header" alike however it is chunked', async ({ header, layers }) => {
    const body = encode(PLAIN, layers);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 48 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
        const { result, body: decoded } = await decodeChunked(body, header, sizes);
        expect(result).toEqual({ outcome: 'decoded', decodedBytes: PLAIN.length });
        expect(decoded.equals(PLAIN)).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  it('decodes raw deflate sent under "deflate", as browsers accept it', async () => {
    const result = await decodeBody(zlib.deflateRawSync(PLAIN), 'deflate');
    expect(result.outcome).toBe('decoded');
    expect(result.body.equals(PLAIN)).toBe(true);
  });

  it.each(['brotli-experimental', 'compress', 'gzip, compress'])('still refuses the unknown coding in "%s" as unsupported', async (header) => {
    const result = await decodeBody(PLAIN, header, { codings: DEFAULT_CODINGS });
    expect(result).toMatchObject({ outcome: 'error', errorClass: 'unsupported' });
    expect(result.message).toContain(header);
  });

  it.each(['br', 'deflate'])('refuses %s as unsupported with REFERENCE_CODINGS', async (coding) => {
    const result = await decodeBody(encode(PLAIN, [coding]), coding, { codings: REFERENCE_CODINGS });
    expect(result).toMatchObject({ outcome: 'error', errorClass: 'unsupported' });
  });

  it.each([
    { name: 'a deflate stream missing its adler32', coding: 'deflate', cut: (b: Buffer) => b.subarray(0, b.length - 4), outcome: 'salvaged' },
    { name: 'a br stream missing its last bytes', coding: 'br', cut: (b: Buffer) => b.subarray(0, b.length - 2), outcome: 'salvaged' },
    { name: 'a deflate body of one byte', coding: 'deflate', cut: (b: Buffer) => b.subarray(0, 1), outcome: 'error' },
  ])('treats $name as cut: $outcome', async ({ coding, cut, outcome }) => {
    const result = await decodeBody(cut(encode(PLAIN, [coding])), coding);
    expect(result.outcome).toBe(outcome);
    if (outcome === 'salvaged') {
      expect(result.message).toMatch(/ended early/);
      expect(PLAIN.subarray(0, result.body.length).equals(result.body)).toBe(true);
    } else {
      expect(result.errorClass).toBe('undecodable');
    }
  });

  // Bodies are built lazily: zstd-wasm is only ready after beforeAll.
  it.each([
    { name: 'text under br', header: 'br', body: () => Buffer.from('this is not brotli at all') },
    { name: 'bytes after a complete deflate stream', header: 'deflate', body: () => Buffer.concat([zlib.deflateSync(PLAIN), Buffer.from('junk')]) },
    { name: 'bytes after a complete br stream', header: 'br', body: () => Buffer.concat([zlib.brotliCompressSync(PLAIN), Buffer.from('junk')]) },
    { name: 'zero padding after a gzip member', header: 'gzip', body: () => Buffer.concat([zlib.gzipSync(PLAIN), Buffer.alloc(16)]) },
    { name: 'a gzip body with a bad CRC', header: 'gzip', body: () => withByteFlipped(zlib.gzipSync(PLAIN), -6) },
    { name: 'an empty body under br', header: 'br', body: () => Buffer.alloc(0) },
    { name: 'an empty inner layer', header: 'gzip, zstd', body: () => encode(Buffer.alloc(0), ['zstd']) },
  ])('refuses $name as undecodable', async ({ header, body }) => {
    expect(await decodeBody(body(), header)).toMatchObject({ outcome: 'error', errorClass: 'undecodable', body: Buffer.alloc(0) });
  });

  it('accepts a gzip body that decodes to nothing', async () => {
    expect(await decodeBody(zlib.gzipSync(Buffer.alloc(0)), 'gzip')).toEqual({ outcome: 'decoded', body: Buffer.alloc(0) });
  });
});

describe('ContentDecoder zstd framing', () => {
  const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
  const HELLO_BLOCK = [0x29, 0x00, 0x00, ...Buffer.from('hello')];

  it('reads past a skippable frame', async () => {
    const body = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 0x02, 0x00, 0x00, 0x00, 0xfe, 0xfe, ...MAGIC, 0x00, 0x58, ...HELLO_BLOCK]);
    expect(await decodeBody(body, 'zstd')).toEqual({ outcome: 'decoded', body: Buffer.from('hello') });
  });

  it('skips a content checksum without verifying it (fzstd has no XXH64)', async () => {
    const body = Buffer.from([...MAGIC, 0x04, 0x58, ...HELLO_BLOCK, 0x00, 0x00, 0x00, 0x00]);
    expect(await decodeBody(body, 'zstd')).toEqual({ outcome: 'decoded', body: Buffer.from('hello') });
  });

  it('salvages a whole small frame that was still buffered when the next frame was cut', async () => {
    const body = Buffer.from([...MAGIC, 0x00, 0x58, ...HELLO_BLOCK, ...MAGIC.slice(0, 2)]);
    expect(await decodeBody(body, 'zstd')).toMatchObject({ outcome: 'salvaged', body: Buffer.from('hello') });
  });

  it('never lets the decoder read a frame header cut before the guard could check it', async () => {
    // A complete frame, then a header cut inside its dictionary id after a 2 GiB window descriptor:
    // flushing those bytes into fzstd would make it refuse (or allocate) the window instead.
    const body = Buffer.from([...MAGIC, 0x00, 0x58, ...HELLO_BLOCK, ...MAGIC, 0x02, 0xa8, 0x01]);
    expect(await decodeBody(body, 'zstd')).toMatchObject({ outcome: 'salvaged', body: Buffer.from('hello') });
  });

  it('refuses bytes after the last frame', async () => {
    const body = Buffer.concat([encode(PLAIN, ['zstd']), Buffer.from('trailing')]);
    expect(await decodeBody(body, 'zstd')).toMatchObject({ outcome: 'error', errorClass: 'undecodable' });
  });

  it('salvages every whole block of a frame cut inside a later block', async () => {
    const frames = Buffer.concat([encode(PLAIN, ['zstd']), encode(PLAIN, ['zstd'])]);
    const result = await decodeBody(frames.subarray(0, frames.length - 3), 'zstd');
    expect(result.outcome).toBe('salvaged');
    expect(result.message).toContain(`input ended at byte ${frames.length - 3} while reading block body`);
    expect(result.body.equals(PLAIN)).toBe(true);
  });
});

describe('ContentDecoder bomb guard', () => {
  it('refuses a 4 GiB gzip bomb at the cap without handing on more than the cap', async () => {
    const member = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 256 }, () => member));
    let delivered = 0;
    const decoder = new ContentDecoder('gzip', { onData: (c) => (delivered += c.byteLength) });
    for (let at = 0; at < bomb.length; at += 16 * 1024) decoder.write(bomb.subarray(at, at + 16 * 1024));
    const result = await decoder.end();
    expect(result).toMatchObject({ outcome: 'error', errorClass: 'oversize' });
    expect(delivered).toBeLessThanOrEqual(DEFAULT_MAX_DECODED_BYTES);
    expect(result.decodedBytes).toBe(delivered);
  });

  it('stops a zstd bomb inside the write that crosses the cap', async () => {
    // One frame (windowLog 17) of 32768 RLE blocks of 128 KiB each: 4 GiB from 128 KiB.
    const rleBlock = [0x02, 0x00, 0x10, 0x61];
    const lastBlock = [0x03, 0x00, 0x10, 0x61];
    const bomb = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, ...Array.from({ length: 32767 }, () => rleBlock).flat(), ...lastBlock]);
    let delivered = 0;
    const decoder = new ContentDecoder('zstd', { maxDecodedBytes: 1024 * 1024, onData: (c) => (delivered += c.byteLength) });
    decoder.write(bomb);
    expect(delivered).toBeLessThanOrEqual(1024 * 1024);
    expect(await decoder.end()).toMatchObject({ outcome: 'error', errorClass: 'oversize' });
  });

  it('applies the cap to each layer, not to the sum', async () => {
    const body = encode(PLAIN, ['gzip', 'br']);
    const result = await decodeBody(body, 'gzip, br', { maxDecodedBytes: PLAIN.length });
    expect(result.outcome).toBe('decoded');
    expect(await decodeBody(body, 'gzip, br', { maxDecodedBytes: PLAIN.length - 1 })).toMatchObject({ outcome: 'error', errorClass: 'oversize' });
  });
});

describe('ContentDecoder API', () => {
  it('hands an identity body on synchronously from write', () => {
    const seen: Uint8Array[] = [];
    const decoder = new ContentDecoder(undefined, { onData: (c) => seen.push(c) });
    decoder.write(PLAIN);
    expect(seen).toEqual([PLAIN]);
    expect(decoder.layers).toEqual([]);
  });

  it('lists the layers outermost first', () => {
    expect(new ContentDecoder('gzip, zstd').layers).toEqual(['zstd', 'gzip']);
  });

  it('ignores writes after end and answers every end with the same result', async () => {
    const decoder = new ContentDecoder('gzip');
    decoder.write(zlib.gzipSync(PLAIN));
    const first = decoder.end();
    decoder.write(Buffer.from('late'));
    expect(await decoder.end()).toBe(await first);
    expect((await first).decodedBytes).toBe(PLAIN.length);
  });

  it('turns an onData callback that throws into an error outcome instead of a crash', async () => {
    const decoder = new ContentDecoder('gzip', {
      onData: () => {
        throw new Error('consumer bug');
      },
    });
    decoder.write(zlib.gzipSync(PLAIN));
    expect(await decoder.end()).toMatchObject({ outcome: 'error', errorClass: 'undecodable', message: expect.stringContaining('consumer bug') });
  });

  it('returns an identity body from decodeBody as a view, without copying', async () => {
    const { body } = await decodeBody(PLAIN, 'identity');
    expect(body.buffer).toBe(PLAIN.buffer);
    expect(body.byteOffset).toBe(PLAIN.byteOffset);
  });
});

function withByteFlipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  const index = at < 0 ? copy.length + at : at;
  copy[index] = (copy[index] ?? 0) ^ 0xff;
  return copy;
}
