import { isAbortError, ModelSourceError } from './errors.ts';

/** Byte progress of one transfer; loadedBytes never goes down and ends equal to totalBytes. */
export interface ByteProgress {
  readonly phase: 'download' | 'read-file' | 'read-cache';
  readonly loadedBytes: number;
  /** null while the size is unknown (no Content-Length, or a compressed response). */
  readonly totalBytes: number | null;
  /** Average since the transfer started. */
  readonly bytesPerSecond: number;
  readonly etaSeconds: number | null;
}

export type ProgressCallback = (progress: ByteProgress) => void;
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;
export type Clock = () => number;

const defaultClock: Clock = () => performance.now();

export class ProgressMeter {
  private reported = -1;
  private readonly startedMs: number;

  constructor(
    private readonly phase: ByteProgress['phase'],
    private totalBytes: number | null,
    private readonly onProgress: ProgressCallback | undefined,
    private readonly now: Clock = defaultClock,
  ) {
    this.startedMs = now();
  }

  setTotal(totalBytes: number | null): void {
    this.totalBytes = totalBytes;
  }

  /** Reports only forward movement, so a restarted download does not jump backwards. */
  report(loadedBytes: number): void {
    if (!this.onProgress || loadedBytes <= this.reported) return;
    this.reported = loadedBytes;
    const seconds = (this.now() - this.startedMs) / 1000;
    const bytesPerSecond = seconds > 0 ? loadedBytes / seconds : 0;
    const total = this.totalBytes;
    const etaSeconds =
      total === null ? null : bytesPerSecond > 0 ? Math.max(0, total - loadedBytes) / bytesPerSecond : null;
    this.onProgress({ phase: this.phase, loadedBytes, totalBytes: total, bytesPerSecond, etaSeconds });
  }

  /** The closing report: the size is now known to be exactly what arrived. */
  finish(loadedBytes: number): void {
    const alreadyFinal = loadedBytes === this.reported && this.totalBytes === loadedBytes;
    this.totalBytes = loadedBytes;
    if (loadedBytes === this.reported && !alreadyFinal) this.reported = loadedBytes - 1;
    this.report(loadedBytes);
  }
}

// An announced size is a hint from the network, not a promise: cap what it can allocate.
const MAX_PREALLOCATED_BYTES = 1 << 30;

/** Appends byte chunks into one buffer, preallocated when the size is announced. */
export class GrowableBytes {
  private buffer: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(expectedBytes: number | null) {
    this.buffer = new Uint8Array(Math.min(expectedBytes ?? 1 << 20, MAX_PREALLOCATED_BYTES));
  }

  append(piece: Uint8Array): void {
    const needed = this.length + piece.byteLength;
    if (needed > this.buffer.byteLength) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.byteLength * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(piece, this.length);
    this.length = needed;
  }

  reset(): void {
    this.length = 0;
  }

  bytes(): Uint8Array<ArrayBuffer> {
    return this.length === this.buffer.byteLength ? this.buffer : this.buffer.slice(0, this.length);
  }
}

/** Rejects with the signal's reason once it aborts; dispose() removes the listener. */
function abortRace(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => {}), dispose: () => {} };
  let onAbort = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Reads a byte stream to its end into `into`; a stalled stream still stops on abort. */
export async function pumpStream(
  stream: ReadableStream<Uint8Array>,
  into: GrowableBytes,
  meter: ProgressMeter,
  signal: AbortSignal | undefined,
): Promise<void> {
  const reader = stream.getReader();
  const abort = abortRace(signal);
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), abort.promise]);
      if (done) break;
      into.append(value);
      meter.report(into.length);
    }
    finished = true;
  } finally {
    abort.dispose();
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

export interface DownloadOptions {
  readonly fetch: FetchLike;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ProgressCallback | undefined;
  /** How many times a broken or cut-off body is resumed (HTTP Range) or restarted. */
  readonly maxResumes?: number;
  readonly now?: Clock;
}

export async function fetchOk(fetch: FetchLike, url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (isAbortError(error) || init.signal?.aborted) throw init.signal?.reason ?? error;
    throw new ModelSourceError(`could not reach ${url}: ${describeError(error)}`, { cause: error });
  }
  if (!response.ok) throw httpError(url, response);
  return response;
}

function httpError(url: string, response: Response): ModelSourceError {
  return new ModelSourceError(`GET ${url} answered ${response.status} ${response.statusText}`.trimEnd());
}

// Content-Length counts encoded bytes; with a Content-Encoding it says nothing about the body.
function announcedBytes(response: Response): number | null {
  if (response.headers.get('content-encoding')) return null;
  const value = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

// "bytes 100-199/200" → 100, or null when the server did not resume where asked.
function rangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

class BodyCutOff extends Error {}

/**
 * Downloads a whole body with progress. A body that breaks or ends short is resumed with
 * an HTTP Range request from the byte it reached; a server that ignores Range (200 instead
 * of 206) makes the download start over.
 */
export async function downloadWithProgress(
  url: string,
  options: DownloadOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const { fetch, signal, onProgress, maxResumes = 3, now } = options;
  const meter = new ProgressMeter('download', null, onProgress, now);
  let received: GrowableBytes | null = null;
  let totalBytes: number | null = null;
  let lastFailure: unknown = null;

  for (let attempt = 0; attempt <= maxResumes; attempt++) {
    const resumeFrom = received?.length ?? 0;
    const headers: Record<string, string> = resumeFrom > 0 ? { Range: `bytes=${resumeFrom}-` } : {};
    let response: Response;
    try {
      response = await fetch(url, { signal: signal ?? null, headers });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isAbortError(error)) throw error;
      if (attempt === 0)
        throw new ModelSourceError(`could not reach ${url}: ${describeError(error)}`, { cause: error });
      lastFailure = error;
      continue;
    }
    if (!response.ok) throw httpError(url, response);
    if (resumeFrom === 0 || response.status !== 206 || rangeStart(response) !== resumeFrom) {
      totalBytes = announcedBytes(response);
      received = new GrowableBytes(totalBytes);
      meter.setTotal(totalBytes);
    }
    const into: GrowableBytes = received ?? new GrowableBytes(null);
    try {
      if (response.body) await pumpStream(response.body, into, meter, signal);
      if (totalBytes !== null && into.length < totalBytes) throw new BodyCutOff();
      meter.finish(into.length);
      return into.bytes();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isAbortError(error)) throw error;
      lastFailure = error;
    }
  }
  const got = received?.length ?? 0;
  const of = totalBytes === null ? '' : ` of ${totalBytes}`;
  const reason = lastFailure instanceof BodyCutOff ? 'the body ended early' : describeError(lastFailure);
  throw new ModelSourceError(
    `download of ${url} failed after ${got}${of} bytes and ${maxResumes} resumes: ${reason}`,
    { cause: lastFailure },
  );
}

/** Reads a local file with the same progress reports as a download. */
export async function readBlobWithProgress(
  blob: Blob,
  options: { signal?: AbortSignal | undefined; onProgress?: ProgressCallback | undefined; now?: Clock },
): Promise<Uint8Array<ArrayBuffer>> {
  const meter = new ProgressMeter('read-file', blob.size, options.onProgress, options.now);
  const into = new GrowableBytes(blob.size);
  options.signal?.throwIfAborted();
  await pumpStream(blob.stream(), into, meter, options.signal);
  meter.finish(into.length);
  return into.bytes();
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
