import { normalizeSha256 } from './sha256.ts';

export type ModelConfigJson = Record<string, unknown>;

/**
 * The record that makes a cached model whole. It is written after every chunk, so its
 * presence means all chunks were stored; chunkSha256 lets a load find a damaged chunk.
 */
export interface ModelManifest {
  readonly version: 1;
  readonly id: string;
  readonly config: ModelConfigJson;
  /** Of the whole weights file. */
  readonly sha256: string;
  readonly bytes: number;
  readonly chunkCount: number;
  /** Every chunk but the last holds exactly this many bytes. */
  readonly chunkBytes: number;
  readonly chunkSha256: readonly string[];
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID.test(id);
}

/** A manifest read back from IndexedDB, or null if it is not one this code wrote (for `id`, if given). */
export function parseManifest(value: unknown, id?: string): ModelManifest | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (m.version !== 1 || !isValidModelId(m.id) || (id !== undefined && m.id !== id)) return null;
  if (typeof m.config !== 'object' || m.config === null || Array.isArray(m.config)) return null;
  if (normalizeSha256(m.sha256) !== m.sha256) return null;
  if (!count(m.bytes) || !count(m.chunkCount) || !count(m.chunkBytes) || m.chunkBytes === 0) return null;
  if (m.chunkCount !== Math.ceil(m.bytes / m.chunkBytes)) return null;
  if (!Array.isArray(m.chunkSha256) || m.chunkSha256.length !== m.chunkCount) return null;
  if (!m.chunkSha256.every((h) => normalizeSha256(h) === h)) return null;
  if (typeof m.storedAt !== 'number' || !Number.isFinite(m.storedAt)) return null;
  return m as unknown as ModelManifest;
}
