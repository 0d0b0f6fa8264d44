// The engine's typed boundary: what the page sends to the worker and what comes back.
// Parameters go down once; per-step progress comes back through a callback; frames come back
// once, as transferred buffers. Everything here is structured-clone safe.

/** RGBA8 frames, frame-major: (frameCount, height, width, 4). */
export interface Frames {
  rgba: Uint8Array;
  frameCount: number;
  width: number;
  height: number;
}

export const PREVIEW_KINDS = ['none', 'x0', 'both'] as const;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

/**
 * Where the denoiser runs: the hand-written WGSL engine, or model.onnx on onnxruntime-web's
 * WebGPU or wasm (CPU) kernels. 'auto' lets the worker pick (WGSL where WebGPU is, else wasm);
 * the page resolves it to the backend it measured fastest on this device before it asks.
 */
export const BACKENDS = ['wgsl', 'onnx-webgpu', 'onnx-wasm'] as const;
export type Backend = (typeof BACKENDS)[number];
export const BACKEND_CHOICES = ['auto', ...BACKENDS] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export interface GenerationRequest {
  modelId: string;
  prompt: string;
  /** u32; the same seed gives the same clip, in the browser and in the PyTorch reference. */
  seed: number;
  steps: number;
  /** Classifier-free guidance scale; 1 is the conditional model alone (no extra pass). */
  guidance: number;
  /** Given first frames for continuation, at the model's size; at most config.context.max_frames. */
  context?: Frames;
  /** Preview frames per step: none, the predicted clean clip x0, or x0 and the noisy x_t. */
  preview?: PreviewKind;
  /** Per-step tensor statistics and per-kernel timings (the Inspector's trace). */
  trace?: boolean;
  /** Which backend runs the denoiser; 'auto' (the default) as BACKENDS describes. */
  backend?: BackendChoice;
}

/** The parameters that reproduce a clip; stored in the gallery and in exported files. */
export interface GenerationParams {
  modelId: string;
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  contextFrames: number;
  /** The backend that generated it (absent for clips no model made). */
  backend?: Backend;
}

export interface TensorStats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface KernelTiming {
  /** Kernel key, `name:dtype:variant`. */
  kernel: string;
  calls: number;
  milliseconds: number;
}

export interface StepEvent {
  /** 0-based index of the step just finished, of `steps`. */
  step: number;
  steps: number;
  /** Time before and after this step on the rectified-flow schedule (1 = noise, 0 = clean). */
  t: number;
  tNext: number;
  /** Wall time of the step, submission to completion. */
  milliseconds: number;
  /** Sum of GPU timestamps over the step's passes, where the adapter has timestamp-query. */
  gpuMilliseconds?: number;
  kernels?: KernelTiming[];
  stats?: { x: TensorStats; velocity: TensorStats; x0: TensorStats };
  /** The predicted clean clip after this step (decoded to pixels). */
  x0?: Frames;
  /** The noisy state after this step (decoded to pixels, as the decoder sees it). */
  xt?: Frames;
}

export interface Clip extends Frames {
  fps: number;
  params: GenerationParams;
  /** Wall time of the whole generation and of each step. */
  milliseconds: number;
  stepMilliseconds: number[];
}

export interface ModelSummary {
  id: string;
  name: string;
  description: string;
  frames: number;
  width: number;
  height: number;
  fps: number;
  vocabulary: readonly string[];
  maxTokens: number;
  contextFrames: number;
  defaultSteps: number;
  supportedSteps: readonly number[];
  defaultGuidance: number;
  /** Id of the many-step teacher this student was distilled from, if any. */
  teacher: string | null;
  parameters: number;
  /** DiT blocks and attention heads per block (the Inspector's attention maps pick one). */
  depth: number;
  heads: number;
  /** Precision the engine runs it at on this device. */
  precision: 'f16' | 'f32';
  weightBytes: number;
}

export interface LoadProgress {
  phase: 'download' | 'cache' | 'verify' | 'upload' | 'compile';
  loadedBytes: number;
  totalBytes: number | null;
  bytesPerSecond?: number;
  etaSeconds?: number | null;
}

export interface EngineStats {
  deviceState: 'none' | 'ready' | 'lost';
  loadedModels: string[];
  bufferBytes: number;
  pipelines: number;
  generating: boolean;
}

/** Limits of a request, checked once at the boundary (validateRequest). */
export const REQUEST_LIMITS = {
  maxSeed: 0xffff_ffff,
  maxSteps: 64,
  maxGuidance: 20,
  maxPromptChars: 500,
} as const;

/** Which attention to inspect: the forward of denoising step `step`, block `block`. */
export interface AttentionQuery {
  step: number;
  block: number;
}

/** Attention probabilities of one block at one step, for the conditional prompt. */
export interface AttentionMaps extends AttentionQuery {
  heads: number;
  tokens: number;
  /** Tokens per axis (t, h, w), patchify's order; a token covers `patchPixels` of the clip. */
  grid: [number, number, number];
  /** Frames, rows and columns of the clip one token covers. */
  patchPixels: [number, number, number];
  /** (heads, queries, keys), each row summing to 1. */
  probabilities: Float32Array;
  milliseconds: number;
}
