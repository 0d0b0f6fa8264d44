// Named failures of the model cache, so the UI can say what happened and what to do.

/** A model source that cannot be used: a refused URL, an HTTP error, a cut-off body, bad JSON. */
export class ModelSourceError extends Error {
  override readonly name = 'ModelSourceError';
}

/** The weights do not hash to what the config promises. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
  constructor(
    readonly expectedSha256: string,
    readonly actualSha256: string,
    what: string,
  ) {
    super(`${what}: sha256 is ${actualSha256}, expected ${expectedSha256}`);
  }
}

/** Not enough browser storage to cache the model; it still runs from memory this time. */
export class QuotaError extends Error {
  override readonly name = 'QuotaError';
  constructor(
    readonly neededBytes: number,
    /** null when the browser does not say. */
    readonly freeBytes: number | null,
    options?: { cause?: unknown },
  ) {
    const free = freeBytes === null ? 'an unknown amount' : `${freeBytes} bytes`;
    super(`caching the model needs ${neededBytes} bytes of storage, and ${free} is free`, options);
  }
}

/** IndexedDB refused or lost a write or read for a reason other than quota. */
export class ModelStoreError extends Error {
  override readonly name = 'ModelStoreError';
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
