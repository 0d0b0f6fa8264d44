import { get, set, type UseStore } from 'idb-keyval';
import { sha256Hex } from './sha256.ts';
import type { ChunkedFile } from './manifest.ts';

// Chunk values stay far below IndexedDB's ~127 MiB limit on one value.
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;

/** Chunks of one stored file: `<id>/<sha256>/<index>`; ids contain no "/". */
export function chunkKey(id: string, sha256: string, index: number): string {
  return `${id}/${sha256}/${index}`;
}

/** Every chunk key of a model, whatever its hash: the range ["<id>/", "<id>/\uffff"]. */
export function chunkKeysOf(id: string): IDBKeyRange {
  return IDBKeyRange.bound(`${id}/`, `${id}/\uffff`);
}

/** The `<id>/<sha256>` a chunk key belongs to. */
export function chunkOwner(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}

export function chunkCount(bytes: number, chunkBytes: number): number {
  return Math.ceil(bytes / chunkBytes);
}

/** Writes the chunks one transaction each and returns each chunk's sha256. */
export async function writeChunks(
  store: UseStore,
  id: string,
  sha256: string,
  bytes: Uint8Array,
  chunkBytes: number,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const hashes: string[] = [];
  for (let index = 0; index < chunkCount(bytes.byteLength, chunkBytes); index++) {
    signal?.throwIfAborted();
    const begin = index * chunkBytes;
    const chunk = bytes.slice(begin, Math.min(begin + chunkBytes, bytes.byteLength));
    hashes.push(await sha256Hex(chunk));
    await set(chunkKey(id, sha256, index), chunk.buffer, store);
  }
  return hashes;
}

export type ChunkReadResult =
  | { readonly ok: true; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly ok: false; readonly problem: string };

/** Reads and verifies every chunk of a manifest; any missing or damaged chunk fails the whole. */
export async function readChunks(
  store: UseStore,
  manifest: ChunkedFile,
  signal: AbortSignal | undefined,
  onChunk: (loadedBytes: number) => void,
): Promise<ChunkReadResult> {
  const out = new Uint8Array(manifest.bytes);
  let loaded = 0;
  for (let index = 0; index < manifest.chunkCount; index++) {
    signal?.throwIfAborted();
    const value: unknown = await get(chunkKey(manifest.id, manifest.sha256, index), store);
    const expectedBytes = Math.min(manifest.chunkBytes, manifest.bytes - loaded);
    if (!(value instanceof ArrayBuffer)) return { ok: false, problem: `chunk ${index} is missing` };
    if (value.byteLength !== expectedBytes) {
      return {
        ok: false,
        problem: `chunk ${index} holds ${value.byteLength} bytes, expected ${expectedBytes}`,
      };
    }
    const chunk = new Uint8Array(value);
    if ((await sha256Hex(chunk)) !== manifest.chunkSha256[index]) {
      return { ok: false, problem: `chunk ${index} does not match its sha256` };
    }
    out.set(chunk, loaded);
    loaded += chunk.byteLength;
    onChunk(loaded);
  }
  return { ok: true, bytes: out };
}
