import type { ChunkSource } from './drilldown.js';

/**
 * A ChunkSource over bytes already in memory, cut into `chunkSize`-byte chunks: for data not
 * yet stored, and for tests that put chunk boundaries inside lines and characters.
 */
export function bytesChunkSource(bytes: Uint8Array, chunkSize: number): ChunkSource {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunk size ${chunkSize} is invalid: it must be a positive integer`);
  }
  return {
    size: bytes.length,
    chunkCount: Math.ceil(bytes.length / chunkSize),
    readChunk: (index) => bytes.subarray(index * chunkSize, Math.min(bytes.length, (index + 1) * chunkSize)),
  };
}
