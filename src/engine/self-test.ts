import { PipelineCache } from './gpu/pipeline-cache.ts';
import { gelu, geluReference } from './ops/gelu.ts';

export interface SelfTestResult {
  kernel: string;
  elements: number;
  maxAbsError: number;
  /** Tolerance of the check, |gpu - ref| <= atol + rtol*|ref|. */
  atol: number;
  rtol: number;
  passed: boolean;
  milliseconds: number;
}

/** A deterministic input with outliers, odd length so the last workgroup is partial. */
export function selfTestInput(count = 1001): Float32Array {
  const x = new Float32Array(count);
  for (let i = 0; i < count; i++) x[i] = ((i * 7919) % 2001) / 100 - 10; // [-10, 10]
  x[0] = 1e4;
  x[1] = -1e4;
  x[2] = 0;
  return x;
}

/** Runs one real kernel on the device and checks it against the float64 reference. */
export async function runSelfTest(device: GPUDevice): Promise<SelfTestResult> {
  const atol = 1e-5;
  const rtol = 1e-4;
  const input = selfTestInput();
  const started = performance.now();
  const output = await gelu(device, new PipelineCache(device), input);
  const milliseconds = performance.now() - started;
  const reference = geluReference(input);
  let maxAbsError = 0;
  let passed = true;
  for (let i = 0; i < input.length; i++) {
    const error = Math.abs(output[i]! - reference[i]!);
    maxAbsError = Math.max(maxAbsError, error);
    if (!(error <= atol + rtol * Math.abs(reference[i]!))) passed = false;
  }
  return { kernel: 'gelu:f32', elements: input.length, maxAbsError, atol, rtol, passed, milliseconds };
}
