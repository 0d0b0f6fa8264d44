// A generation's trace as two files: JSON metadata (parameters, per-step times, kernel timings,
// tensor statistics) and one binary holding every frame tensor back to back; the JSON names each
// tensor's byte offset, length, dtype and shape in the binary.
import type { Frames, GenerationRequest, StepEvent, Clip } from '../../engine/protocol.ts';

export interface TensorRef {
  name: string;
  dtype: 'uint8';
  /** (frames, height, width, 4) RGBA. */
  shape: [number, number, number, number];
  byteOffset: number;
  byteLength: number;
}

export interface TraceBundle {
  json: Blob;
  binary: Blob;
}

export function traceBundle(
  request: GenerationRequest,
  steps: readonly StepEvent[],
  clip: Clip | null,
): TraceBundle {
  const parts: Uint8Array[] = [];
  const tensors: TensorRef[] = [];
  let offset = 0;
  const add = (name: string, frames: Frames | undefined) => {
    if (!frames) return undefined;
    const ref: TensorRef = {
      name,
      dtype: 'uint8',
      shape: [frames.frameCount, frames.height, frames.width, 4],
      byteOffset: offset,
      byteLength: frames.rgba.byteLength,
    };
    parts.push(frames.rgba);
    offset += frames.rgba.byteLength;
    tensors.push(ref);
    return name;
  };
  const { context, ...params } = request;
  const json = {
    format: 'tessera-trace',
    version: 1,
    createdAt: new Date().toISOString(),
    request: { ...params, contextFrames: context?.frameCount ?? 0 },
    context: add('context', context),
    steps: steps.map(({ x0, xt, ...rest }) => ({
      ...rest,
      x0: add(`step${rest.step}.x0`, x0) ?? null,
      xt: add(`step${rest.step}.xt`, xt) ?? null,
    })),
    clip: clip
      ? {
          fps: clip.fps,
          params: clip.params,
          milliseconds: clip.milliseconds,
          stepMilliseconds: clip.stepMilliseconds,
          frames: add('clip', clip),
        }
      : null,
    binary: { file: 'trace.bin', tensors },
  };
  return {
    json: new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }),
    binary: new Blob(parts as BlobPart[], { type: 'application/octet-stream' }),
  };
}

export interface KernelTotal {
  kernel: string;
  calls: number;
  milliseconds: number;
}

/** Kernel timings summed over all steps, slowest first. */
export function kernelTotals(steps: readonly StepEvent[]): KernelTotal[] {
  const totals = new Map<string, KernelTotal>();
  for (const step of steps) {
    for (const k of step.kernels ?? []) {
      const t = totals.get(k.kernel) ?? { kernel: k.kernel, calls: 0, milliseconds: 0 };
      t.calls += k.calls;
      t.milliseconds += k.milliseconds;
      totals.set(k.kernel, t);
    }
  }
  return [...totals.values()].sort((a, b) => b.milliseconds - a.milliseconds);
}
