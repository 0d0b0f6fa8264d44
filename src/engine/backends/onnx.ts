// model.onnx (the exported DiT, docs/model-format.md "ONNX") as a Denoiser on onnxruntime-web:
// its WebGPU execution provider where WebGPU exists, else its wasm (SIMD) CPU kernels. The
// runtime module is passed in, not imported here: the page picks the build and where its
// .wasm comes from (ort-loader.ts), Node tests and benches pass `import('onnxruntime-web')`.

import type * as Ort from 'onnxruntime-web';

import { parseModelConfig, type ModelConfig } from '../model/config.ts';
import { checkDenoiserInputs, type Denoiser } from './denoiser.ts';

export type OrtModule = typeof Ort;
export type OnnxProvider = 'webgpu' | 'wasm';

export const ONNX_INPUTS = ['x', 't', 'y'] as const;
export const ONNX_OUTPUT = 'velocity';

export class OnnxModelError extends Error {
  override name = 'OnnxModelError';
}

export interface OnnxDenoiserOptions {
  /** 'auto' (the default): 'webgpu' when `gpu` (or navigator.gpu) is there, else 'wasm'. */
  readonly provider?: OnnxProvider | 'auto';
  /** The WebGPU entry point for 'auto'; defaults to navigator.gpu where there is one. */
  readonly gpu?: GPU;
}

/** Input tensors of one batch size, kept and refilled every call. */
interface Feeds {
  x: Ort.Tensor;
  xData: Float32Array;
  t: Ort.Tensor;
  tData: Float32Array;
  y: Ort.Tensor;
  yData: BigInt64Array;
}

function hasWebGpu(gpu: GPU | undefined): boolean {
  return Boolean(gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu);
}

export class OnnxDenoiser implements Denoiser {
  readonly name: 'onnx-webgpu' | 'onnx-wasm';
  readonly config: ModelConfig;
  readonly provider: OnnxProvider;
  /** Why 'auto' did not get WebGPU, when it did not. */
  readonly fallbackReason: string | null;
  readonly #ort: OrtModule;
  readonly #session: Ort.InferenceSession;
  readonly #feeds = new Map<number, Feeds>();
  #disposed = false;

  private constructor(
    ort: OrtModule,
    config: ModelConfig,
    session: Ort.InferenceSession,
    provider: OnnxProvider,
    fallbackReason: string | null,
  ) {
    this.#ort = ort;
    this.fallbackReason = fallbackReason;
    this.config = config;
    this.#session = session;
    this.provider = provider;
    this.name = provider === 'webgpu' ? 'onnx-webgpu' : 'onnx-wasm';
  }

  /**
   * Creates the session once. With 'auto', a WebGPU session that fails to build falls back to
   * wasm (the error is kept in `fallbackReason`); an explicit provider fails instead.
   */
  static async create(
    ort: OrtModule,
    configJson: unknown,
    modelBytes: Uint8Array | ArrayBuffer,
    options: OnnxDenoiserOptions = {},
  ): Promise<OnnxDenoiser> {
    const config = parseModelConfig(configJson);
    const bytes = modelBytes instanceof Uint8Array ? modelBytes : new Uint8Array(modelBytes);
    const wanted = options.provider ?? 'auto';
    const provider: OnnxProvider = wanted === 'auto' ? (hasWebGpu(options.gpu) ? 'webgpu' : 'wasm') : wanted;
    const open = (p: OnnxProvider) =>
      ort.InferenceSession.create(bytes, {
        executionProviders: [p],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    let session: Ort.InferenceSession;
    let used = provider;
    let fallbackReason: string | null = null;
    try {
      session = await open(provider);
    } catch (error) {
      if (wanted !== 'auto' || provider === 'wasm') throw error;
      fallbackReason = `WebGPU session failed (${(error as Error).message}); using wasm`;
      used = 'wasm';
      session = await open('wasm');
    }
    const denoiser = new OnnxDenoiser(ort, config, session, used, fallbackReason);
    denoiser.#checkSignature();
    return denoiser;
  }

  async predict(x: Float32Array, t: Float32Array, tokens: Int32Array): Promise<Float32Array> {
    if (this.#disposed) throw new Error('OnnxDenoiser: predict after dispose');
    const n = checkDenoiserInputs(this.config, x, t, tokens);
    const feeds = this.#feedsFor(n);
    feeds.xData.set(x);
    feeds.tData.set(t);
    for (let i = 0; i < tokens.length; i++) feeds.yData[i] = BigInt(tokens[i]!);
    const outputs = await this.#session.run({ x: feeds.x, t: feeds.t, y: feeds.y });
    const out = outputs[ONNX_OUTPUT]!;
    const { channels: C, frames: T, height: H, width: W } = this.config.latent;
    const expected = [n, C, T, H, W];
    if (out.type !== 'float32' || out.dims.join() !== expected.join()) {
      throw new OnnxModelError(
        `model.onnx returned ${out.type} [${out.dims}], expected float32 [${expected}]`,
      );
    }
    // getData copies off the GPU for the WebGPU provider; on wasm it is already on the host.
    const velocity = new Float32Array((await out.getData()) as Float32Array); // (N, C, T, H, W)
    out.dispose();
    return velocity;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#feeds.clear();
    void this.#session.release();
  }

  #feedsFor(n: number): Feeds {
    let feeds = this.#feeds.get(n);
    if (!feeds) {
      const ort = this.#ort;
      const { inChannels, latent, text } = this.config;
      const xShape = [n, inChannels, latent.frames, latent.height, latent.width];
      const xData = new Float32Array(xShape.reduce((a, b) => a * b, 1));
      const tData = new Float32Array(n);
      const yData = new BigInt64Array(n * text.maxTokens);
      feeds = {
        x: new ort.Tensor('float32', xData, xShape),
        xData,
        t: new ort.Tensor('float32', tData, [n]),
        tData,
        y: new ort.Tensor('int64', yData, [n, text.maxTokens]),
        yData,
      };
      this.#feeds.set(n, feeds);
    }
    return feeds;
  }

  #checkSignature(): void {
    const inputs = this.#session.inputNames;
    const outputs = this.#session.outputNames;
    if (inputs.join() !== ONNX_INPUTS.join() || !outputs.includes(ONNX_OUTPUT)) {
      void this.#session.release();
      throw new OnnxModelError(
        `model.onnx has inputs [${inputs}] and outputs [${outputs}]; a Tessera denoiser has inputs ` +
          `[${ONNX_INPUTS}] and output ${ONNX_OUTPUT} (training/tessera/export.py writes it)`,
      );
    }
  }
}
