// Loads onnxruntime-web in the page or worker, with every file it fetches bundled by Vite
// (`?url`), so nothing comes from a CDN and the CSP ('self' + 'wasm-unsafe-eval') holds.
// Two builds: with WebGPU, the JSEP build (WebGPU and wasm kernels, ~28 MB of wasm);
// without, the wasm-only build (~14 MB). Each is loaded only when asked for.
// Node tests and benches do not use this file: there `import('onnxruntime-web')` is the
// wasm build and finds its files itself.

import jsepMjs from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import jsepWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import wasmMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

import type { OnnxProvider, OrtModule } from './onnx.ts';

/** Threads for the wasm kernels: several only where SharedArrayBuffer exists (COOP + COEP). */
export function wasmThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores =
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

const absolute = (url: string): string => new URL(url, globalThis.location?.href).href;

/** The runtime for `provider`, its env set up; loading it twice returns the same module. */
export async function loadOrt(provider: OnnxProvider): Promise<OrtModule> {
  const ort = (
    provider === 'webgpu' ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm')
  ) as OrtModule;
  const [mjs, wasm] = provider === 'webgpu' ? [jsepMjs, jsepWasm] : [wasmMjs, wasmWasm];
  // Absolute URLs: the runtime imports the .mjs from its own chunk, not from this module.
  ort.env.wasm.wasmPaths = { mjs: absolute(mjs), wasm: absolute(wasm) };
  ort.env.wasm.numThreads = wasmThreads();
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  return ort;
}
