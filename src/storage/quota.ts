import { QuotaError } from './errors.ts';

/** The part of navigator.storage the cache uses; absent in some browsers and in Node. */
export interface StorageLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persisted?(): Promise<boolean>;
  persist?(): Promise<boolean>;
}

export interface StorageEstimateBytes {
  readonly usedBytes: number;
  readonly quotaBytes: number;
}

export async function estimateStorage(storage: StorageLike | null): Promise<StorageEstimateBytes | null> {
  if (!storage?.estimate) return null;
  try {
    const { usage, quota } = await storage.estimate();
    if (typeof usage !== 'number' || typeof quota !== 'number') return null;
    return { usedBytes: usage, quotaBytes: quota };
  } catch {
    return null;
  }
}

/** Throws QuotaError when the browser says `neededBytes` will not fit; silent when it cannot say. */
export async function ensureRoomFor(storage: StorageLike | null, neededBytes: number): Promise<void> {
  const estimate = await estimateStorage(storage);
  if (!estimate) return;
  const freeBytes = Math.max(0, estimate.quotaBytes - estimate.usedBytes);
  if (neededBytes > freeBytes) throw new QuotaError(neededBytes, freeBytes);
}

/** IndexedDB reports a full disk as a DOMException named QuotaExceededError. */
export function isQuotaExceeded(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    (error.name === 'QuotaExceededError' || error.name === 'QuotaError')
  );
}

/** Asks once for storage the browser will not evict under pressure; a refusal is fine. */
export async function requestPersistence(storage: StorageLike | null): Promise<boolean> {
  try {
    if (await storage?.persisted?.()) return true;
    return (await storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
