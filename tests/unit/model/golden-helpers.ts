// Reading golden files (written by training/tessera/goldens.py) and comparing against them.

import { existsSync, readFileSync } from 'node:fs';

import { parseModelConfig, type ModelConfig } from '../../../src/engine/model/config.ts';
import { tensor, type Tensor } from '../../../src/engine/model/reference/tensor.ts';
import { loadWeights, type Weights } from '../../../src/engine/model/reference/weights.ts';
import { parseSafetensors } from '../../../src/engine/model/safetensors.ts';

export const FIXTURES = new URL('../../fixtures/', import.meta.url);

interface Entry {
  readonly dtype: 'f32' | 'f64';
  readonly shape: number[];
  readonly offset: number;
}

export interface GoldenIndex {
  readonly preset: string;
  readonly precisions: string[];
  readonly prompt: string;
  readonly tokens: number[];
  readonly null_tokens: number[];
  readonly forward: { t: number[]; y: number[][]; context_frames: number[] };
  readonly sample: {
    steps: number;
    shift: number;
    guidance: number;
    timesteps: number[];
    context_frames: number;
  };
  readonly tensors: Record<string, Entry>;
}

export interface Goldens {
  readonly index: GoldenIndex;
  readonly config: ModelConfig;
  readonly weights: Weights;
  /** The golden as float64 (f32 goldens widened exactly). */
  get(name: string): Tensor;
  names(prefix: string): string[];
}

export function goldensExist(folder: URL): boolean {
  return existsSync(new URL('goldens.json', folder));
}

export function loadGoldens(folder: URL): Goldens {
  const index = JSON.parse(readFileSync(new URL('goldens.json', folder), 'utf8')) as GoldenIndex;
  const bin = readFileSync(new URL('goldens.bin', folder));
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const config = parseModelConfig(JSON.parse(readFileSync(new URL('config.json', folder), 'utf8')));
  const weights = loadWeights(
    config,
    parseSafetensors(new Uint8Array(readFileSync(new URL('model.safetensors', folder)))),
  );
  const get = (name: string): Tensor => {
    const e = index.tensors[name];
    if (!e) throw new Error(`no golden named ${name}`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const values =
      e.dtype === 'f64' ? new Float64Array(buffer, e.offset, n) : new Float32Array(buffer, e.offset, n);
    return tensor(e.shape, values);
  };
  const names = (prefix: string): string[] => Object.keys(index.tensors).filter((k) => k.startsWith(prefix));
  return { index, config, weights, get, names };
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbsError: number;
  readonly maxAbsIndex: number;
  readonly message: string;
}

/** |a - b| <= atol + rtol * |ref| everywhere (NaN fails); reports max error and where. */
export function compare(label: string, actual: Tensor, ref: Tensor, tol: Tolerance): Comparison {
  const same = actual.shape.length === ref.shape.length && actual.shape.every((d, i) => d === ref.shape[i]);
  if (!same) {
    return {
      ok: false,
      maxAbsError: Infinity,
      maxAbsIndex: -1,
      message: `${label}: shape [${actual.shape}] vs golden [${ref.shape}]`,
    };
  }
  let maxAbsError = 0;
  let maxAbsIndex = 0;
  let worst = -1;
  let worstRatio = 0;
  let failures = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const a = actual.data[i]!;
    const r = ref.data[i]!;
    const err = Math.abs(a - r);
    const allowed = tol.atol + tol.rtol * Math.abs(r);
    if (!(err <= allowed)) {
      failures++;
      const ratio = Number.isNaN(err) ? Infinity : err / allowed;
      if (worst < 0 || ratio > worstRatio) [worst, worstRatio] = [i, ratio];
    }
    if (err > maxAbsError || Number.isNaN(err))
      [maxAbsError, maxAbsIndex] = [Number.isNaN(err) ? NaN : err, i];
  }
  const where = (i: number): string =>
    `index ${i} (${unravel(i, ref.shape)}): got ${actual.data[i]}, golden ${ref.data[i]}`;
  const message = failures
    ? `${label}: ${failures}/${ref.data.length} values outside atol ${tol.atol} + rtol ${tol.rtol}*|ref|; ` +
      `worst ${where(worst)} (${worstRatio.toPrecision(3)}x the tolerance); max abs error ${maxAbsError} at ${where(maxAbsIndex)}`
    : `${label}: max abs error ${maxAbsError.toExponential(2)} at index ${maxAbsIndex}`;
  return { ok: failures === 0, maxAbsError, maxAbsIndex, message };
}

function unravel(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    idx.unshift(i % shape[a]!);
    i = Math.floor(i / shape[a]!);
  }
  return `[${idx.join(', ')}]`;
}
