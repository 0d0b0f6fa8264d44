import { normalizeSha256 } from './sha256.ts';

export type ModelConfigJson = Record<string, unknown>;

/** How one stored file lies in the chunk store: `<id>/<sha256>/<index>`, each chunk hashed. */
export interface ChunkedFile {
  readonly id: string;
  /** Of the whole file. */
  readonly sha256: string;
  readonly bytes: number;
  readonly chunkCount: number;
  /** Every chunk but the last holds exactly this many bytes. */
  readonly chunkBytes: number;
  readonly chunkSha256: readonly string[];
}

/**
 * The record that makes a cached model whole. It is written after every chunk, so its
 * presence means all chunks were stored; chunkSha256 lets a load find a damaged chunk.
 */
export interface ModelManifest extends ChunkedFile {
  readonly version: 1;
  readonly id: string;
  readonly config: ModelConfigJson;
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
}

/**
 * Another file of a model folder (model.onnx), fetched only when needed and stored beside the
 * weights under the manifest key `<id>/<file>` (ids hold no "/", so it never names a model).
 * Written after its chunks, as a model's manifest is; deleting the model deletes it too.
 */
export interface FileManifest extends ChunkedFile {
  readonly version: 1;
  readonly kind: 'file';
  readonly file: string;
  readonly storedAt: number;
}

/** Files a model folder may carry besides config.json and model.safetensors. */
export const MODEL_FILES = ['model.onnx'] as const;
export type ModelFileName = (typeof MODEL_FILES)[number];

/** The manifest-store key of one extra file of a model. */
export function fileManifestKey(id: string, file: string): string {
  return `${id}/${file}`;
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function chunkedProblem(m: Record<string, unknown>): boolean {
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (normalizeSha256(m.sha256) !== m.sha256) return true;
  if (!count(m.bytes) || !count(m.chunkCount) || !count(m.chunkBytes) || m.chunkBytes === 0) return true;
  if (m.chunkCount !== Math.ceil(m.bytes / m.chunkBytes)) return true;
  if (!Array.isArray(m.chunkSha256) || m.chunkSha256.length !== m.chunkCount) return true;
  if (!m.chunkSha256.every((h) => normalizeSha256(h) === h)) return true;
  return typeof m.storedAt !== 'number' || !Number.isFinite(m.storedAt);
}

export function isValidModelId(id: unknown): id is string {
  return typeof id === 'string' && MODEL_ID.test(id);
}

/** A manifest read back from IndexedDB, or null if it is not one this code wrote (for `id`, if given). */
export function parseManifest(value: unknown, id?: string): ModelManifest | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.version !== 1 || m.kind !== undefined) return null;
  if (!isValidModelId(m.id) || (id !== undefined && m.id !== id)) return null;
  if (typeof m.config !== 'object' || m.config === null || Array.isArray(m.config)) return null;
  return chunkedProblem(m) ? null : (m as unknown as ModelManifest);
}

/** A file manifest read back from IndexedDB, or null if it is not one (for `id` and `file`, if given). */
export function parseFileManifest(value: unknown, id?: string, file?: string): FileManifest | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  if (m.version !== 1 || m.kind !== 'file' || !isValidModelId(m.id) || typeof m.file !== 'string')
    return null;
  if ((id !== undefined && m.id !== id) || (file !== undefined && m.file !== file)) return null;
  return chunkedProblem(m) ? null : (m as unknown as FileManifest);
}
