// Errors as sentences with a next step. Errors keep their `name` across the worker boundary,
// so they are told apart by name, not by class.

export interface Explained {
  /** The error's name, for tests and for telling kinds apart. */
  name: string;
  /** One sentence: what happened. */
  title: string;
  /** The engine's own message, often with the detail a researcher wants. */
  detail: string;
  /** What the user can do now. */
  next: string;
}

const NEXT_STEPS: Record<string, { title: string; next: string }> = {
  WebGPUUnavailableError: {
    title: 'This browser does not expose WebGPU.',
    next:
      'Generation still runs, on the CPU (onnxruntime-web wasm) and more slowly. For the GPU, open ' +
      'Tessera in a current Chrome, Edge or Safari.',
  },
  AdapterUnavailableError: {
    title: 'WebGPU is present, but no GPU adapter was granted.',
    next:
      'Generation still runs, on the CPU (onnxruntime-web wasm) and more slowly. For the GPU, turn on ' +
      'hardware acceleration in the browser settings or update the GPU driver, then reload.',
  },
  BackendUnavailableError: {
    title: 'The chosen backend cannot run here.',
    next: "Pick another backend (or Auto) under Create's advanced settings.",
  },
  LimitTooLowError: {
    title: 'This GPU is too small for the model.',
    next: 'Try another browser or a machine with a more capable GPU.',
  },
  DeviceLostError: {
    title: 'The GPU device was lost.',
    next: 'Nothing saved is lost: press Generate again and a new device is started.',
  },
  GPUOutOfMemoryError: {
    title: 'The GPU ran out of memory.',
    next: 'Close other tabs that use the GPU, or choose a smaller model, then try again.',
  },
  OutOfMemoryError: {
    title: 'The GPU ran out of memory.',
    next: 'Close other tabs that use the GPU, or choose a smaller model, then try again.',
  },
  QuotaError: {
    title: 'There is not enough storage space for this.',
    next: 'Delete cached models or gallery clips you no longer need (Models and Gallery views).',
  },
  QuotaExceededError: {
    title: 'There is not enough storage space for this.',
    next: 'Delete cached models or gallery clips you no longer need (Models and Gallery views).',
  },
  WorkerStartError: {
    title: 'The engine worker could not start.',
    next: 'Reload the page. If it persists, the site may be served without its scripts.',
  },
  InvalidRequestError: {
    title: 'The engine refused these settings.',
    next: 'Check the prompt, steps and guidance against what the model supports.',
  },
  UnknownWordsError: {
    title: 'The prompt has words the model does not know.',
    next: 'Use only the suggested words; unknown ones are underlined.',
  },
  ModelSourceError: {
    title: 'The model could not be fetched.',
    next: 'Check the address (https, a folder with config.json and model.safetensors) and try again.',
  },
  IntegrityError: {
    title: 'The downloaded weights do not match their checksum.',
    next: 'Download again; if it keeps failing, the file on the server is not the one its config describes.',
  },
  ModelStoreError: {
    title: 'The model runs, but could not be kept in the cache.',
    next: 'It will be downloaded again next time; free some storage in the Models view.',
  },
  NoEncodableCodecError: {
    title: 'This browser cannot encode this video format.',
    next: 'Try the other video format, or export a GIF or PNG strip.',
  },
  VideoExportError: {
    title: 'The clip could not be exported.',
    next: 'Try another format (GIF and PNG strip need no video encoder).',
  },
  NoModelError: {
    title: 'No model is loaded yet.',
    next: 'Load one in the Models view, or wait for the default model to finish loading.',
  },
};

export function explain(error: unknown): Explained {
  const name =
    error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
      ? String((error as { name: unknown }).name)
      : 'Error';
  const detail =
    error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)
      ? String((error as { message: unknown }).message)
      : String(error);
  const known = NEXT_STEPS[name] ?? (/out of memory/i.test(detail) ? NEXT_STEPS.OutOfMemoryError : undefined);
  if (known) return { name, title: known.title, detail, next: known.next };
  return {
    name,
    title: 'Something went wrong.',
    detail,
    next: 'Try again; if it keeps happening, reload the page (your gallery is kept).',
  };
}

export class NoModelError extends Error {
  override name = 'NoModelError';
  constructor() {
    super('No model is loaded.');
  }
}

export const isCancelled = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'GenerationCancelled';
