// Fixed sinusoidal embeddings, computed (never stored) by both implementations.

import { FREQUENCY_DIM } from '../config.ts';
import { tensor, type Tensor } from './tensor.ts';

/** MAE-style 1-D sincos: [sin(pos*omega), cos(pos*omega)], omega_i = 1/10000^(i/(dim/2)). */
export function sincos1d(dim: number, pos: number): Float64Array {
  const half = dim / 2;
  const out = new Float64Array(dim);
  for (let i = 0; i < half; i++) {
    const angle = pos * (1 / 10000 ** (i / half));
    out[i] = Math.sin(angle);
    out[half + i] = Math.cos(angle);
  }
  return out;
}

/**
 * 3-D sincos positions (L, dim) for a token grid (gt, gh, gw) in (t, h, w) order:
 * [t part dim/4 | h part 3dim/8 | w part 3dim/8], each from the token's grid index.
 */
export function posEmbed3d(dim: number, grid: readonly [number, number, number]): Tensor {
  const [gt, gh, gw] = grid;
  const dt = dim / 4;
  const dhw = (3 * dim) / 8;
  const out = tensor([gt * gh * gw, dim]);
  for (let t = 0; t < gt; t++) {
    for (let h = 0; h < gh; h++) {
      for (let w = 0; w < gw; w++) {
        const row = ((t * gh + h) * gw + w) * dim;
        out.data.set(sincos1d(dt, t), row);
        out.data.set(sincos1d(dhw, h), row + dt);
        out.data.set(sincos1d(dhw, w), row + dt + dhw);
      }
    }
  }
  return out;
}

/**
 * DiT's timestep_embedding: [cos(t*f), sin(t*f)], f_i = exp(-ln(maxPeriod) i / half).
 * The DiT feeds it t * 1000 for t in [0, 1]. → (N, dim).
 */
export function timestepEmbedding(
  timesteps: ArrayLike<number>,
  dim = FREQUENCY_DIM,
  maxPeriod = 10000,
): Tensor {
  const half = dim / 2;
  const out = tensor([timesteps.length, dim]);
  for (let n = 0; n < timesteps.length; n++) {
    for (let i = 0; i < half; i++) {
      const arg = timesteps[n]! * Math.exp((-Math.log(maxPeriod) * i) / half);
      out.data[n * dim + i] = Math.cos(arg);
      out.data[n * dim + half + i] = Math.sin(arg);
    }
  }
  return out;
}
