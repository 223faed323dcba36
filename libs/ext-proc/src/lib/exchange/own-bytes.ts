/**
 * Decoded `bytes` fields are views into the buffer gRPC received. A small chunk kept for the life
 * of an exchange could pin a much larger frame buffer (and make the byte budget lie), so a chunk
 * that uses less than half of its backing memory is copied; a large one is kept as is.
 */
export function ownBytes(chunk: Buffer): Buffer {
  return chunk.byteLength * 2 < chunk.buffer.byteLength ? Buffer.from(chunk) : chunk;
}
