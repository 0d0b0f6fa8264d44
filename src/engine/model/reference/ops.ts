// Float64 reference of every op the DiT and the autoencoder use: the oracle each WGSL kernel
// is tested against. One op per function, plain loops, shapes checked, no shared state.
// Layouts follow PyTorch: tokens (N, L, D), clips (N, C, T, H, W), images (B, C, H, W).

import { expectRank, expectShape, numel, shapeText, tensor, type Tensor } from './tensor.ts';

// ---------------------------------------------------------------- elementwise

function map(x: Tensor, f: (v: number) => number): Tensor {
  const out = tensor(x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i]!);
  return out;
}

export function silu(x: Tensor): Tensor {
  return map(x, (v) => v / (1 + Math.exp(-v)));
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (DiT's approx_gelu). */
export function gelu(x: Tensor): Tensor {
  return map(x, (v) => 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v))));
}

export function scale(x: Tensor, factor: number): Tensor {
  return map(x, (v) => v * factor);
}

/** a + b, with b's shape a suffix of a's (broadcast over a's leading axes). */
export function add(a: Tensor, b: Tensor): Tensor {
  const tail = a.shape.slice(a.shape.length - b.shape.length);
  expectShape('add', 'b', b, tail);
  const out = tensor(a.shape);
  const n = b.data.length;
  for (let i = 0; i < a.data.length; i++) out.data[i] = a.data[i]! + b.data[i % n]!;
  return out;
}

// ---------------------------------------------------------------- linear algebra

/** (M, K) @ (K, N) → (M, N). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = expectRank('matmul', 'a', a, 2);
  const [K2, N] = expectRank('matmul', 'b', b, 2);
  if (K !== K2)
    throw new RangeError(`matmul: inner sizes differ: ${shapeText(a.shape)} @ ${shapeText(b.shape)}`);
  const out = tensor([M!, N!]);
  for (let i = 0; i < M!; i++) {
    for (let k = 0; k < K!; k++) {
      const aik = a.data[i * K! + k]!;
      for (let j = 0; j < N!; j++) out.data[i * N! + j]! += aik * b.data[k * N! + j]!;
    }
  }
  return out;
}

/** x (..., K) @ weight^T + bias: weight (N, K) as nn.Linear stores it, bias (N) or null. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const [N, K] = expectRank('linear', 'weight', weight, 2);
  if (x.shape[x.shape.length - 1] !== K) {
    throw new RangeError(
      `linear: x ${shapeText(x.shape)} does not end in ${K} (weight ${shapeText(weight.shape)})`,
    );
  }
  if (bias) expectShape('linear', 'bias', bias, [N!]);
  const rows = x.data.length / K!;
  const out = tensor([...x.shape.slice(0, -1), N!]);
  for (let r = 0; r < rows; r++) {
    for (let n = 0; n < N!; n++) {
      let acc = bias ? bias.data[n]! : 0;
      for (let k = 0; k < K!; k++) acc += x.data[r * K! + k]! * weight.data[n * K! + k]!;
      out.data[r * N! + n] = acc;
    }
  }
  return out;
}

// ---------------------------------------------------------------- normalisation

/** LayerNorm over the last axis (biased variance, as PyTorch); weight/bias optional. */
export function layerNorm(
  x: Tensor,
  eps: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
): Tensor {
  const D = x.shape[x.shape.length - 1]!;
  if (weight) expectShape('layerNorm', 'weight', weight, [D]);
  if (bias) expectShape('layerNorm', 'bias', bias, [D]);
  const out = tensor(x.shape);
  for (let r = 0; r < x.data.length / D; r++) {
    const row = x.data.subarray(r * D, (r + 1) * D);
    let mean = 0;
    for (let i = 0; i < D; i++) mean += row[i]!;
    mean /= D;
    let variance = 0;
    for (let i = 0; i < D; i++) variance += (row[i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / D + eps);
    for (let i = 0; i < D; i++) {
      const y = (row[i]! - mean) * inv;
      out.data[r * D + i] = y * (weight ? weight.data[i]! : 1) + (bias ? bias.data[i]! : 0);
    }
  }
  return out;
}

/** GroupNorm over (C/groups channels x H x W) per sample, affine per channel: x (B, C, H, W). */
export function groupNorm(x: Tensor, groups: number, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const [B, C, H, W] = expectRank('groupNorm', 'x', x, 4);
  if (C! % groups) throw new RangeError(`groupNorm: ${groups} groups do not divide ${C} channels`);
  expectShape('groupNorm', 'weight', weight, [C!]);
  expectShape('groupNorm', 'bias', bias, [C!]);
  const out = tensor(x.shape);
  const plane = H! * W!;
  const size = (C! / groups) * plane;
  for (let b = 0; b < B!; b++) {
    for (let g = 0; g < groups; g++) {
      const start = (b * C! + g * (C! / groups)) * plane;
      const span = x.data.subarray(start, start + size);
      let mean = 0;
      for (let i = 0; i < size; i++) mean += span[i]!;
      mean /= size;
      let variance = 0;
      for (let i = 0; i < size; i++) variance += (span[i]! - mean) ** 2;
      const inv = 1 / Math.sqrt(variance / size + eps);
      for (let i = 0; i < size; i++) {
        const c = g * (C! / groups) + Math.floor(i / plane);
        out.data[start + i] = (span[i]! - mean) * inv * weight.data[c]! + bias.data[c]!;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- adaLN

/** x (N, L, D) * (1 + scale) + shift, with shift and scale (N, D) per sample. */
export function modulate(x: Tensor, shift: Tensor, scaleBy: Tensor): Tensor {
  const [N, L, D] = expectRank('modulate', 'x', x, 3);
  expectShape('modulate', 'shift', shift, [N!, D!]);
  expectShape('modulate', 'scale', scaleBy, [N!, D!]);
  const out = tensor(x.shape);
  for (let n = 0; n < N!; n++) {
    for (let l = 0; l < L!; l++) {
      for (let d = 0; d < D!; d++) {
        const i = (n * L! + l) * D! + d;
        out.data[i] = x.data[i]! * (1 + scaleBy.data[n * D! + d]!) + shift.data[n * D! + d]!;
      }
    }
  }
  return out;
}

/** x + gate * y: the adaLN-Zero residual; x, y (N, L, D), gate (N, D). */
export function gatedResidual(x: Tensor, gate: Tensor, y: Tensor): Tensor {
  const [N, L, D] = expectRank('gatedResidual', 'x', x, 3);
  expectShape('gatedResidual', 'y', y, x.shape);
  expectShape('gatedResidual', 'gate', gate, [N!, D!]);
  const out = tensor(x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const n = Math.floor(i / (L! * D!));
    out.data[i] = x.data[i]! + gate.data[n * D! + (i % D!)]! * y.data[i]!;
  }
  return out;
}

/** (N, k*D) → k tensors (N, D), in order (DiT's .chunk(k, dim=1)). */
export function chunk(x: Tensor, k: number): Tensor[] {
  const [N, F] = expectRank('chunk', 'x', x, 2);
  if (F! % k) throw new RangeError(`chunk: ${F} features do not split into ${k}`);
  const D = F! / k;
  return Array.from({ length: k }, (_, j) => {
    const out = tensor([N!, D]);
    for (let n = 0; n < N!; n++) out.data.set(x.data.subarray(n * F! + j * D, n * F! + (j + 1) * D), n * D);
    return out;
  });
}

// ---------------------------------------------------------------- attention

/** Softmax over the last axis, max-subtracted. */
export function softmax(x: Tensor): Tensor {
  const D = x.shape[x.shape.length - 1]!;
  const out = tensor(x.shape);
  for (let r = 0; r < x.data.length / D; r++) {
    let max = -Infinity;
    for (let i = 0; i < D; i++) max = Math.max(max, x.data[r * D + i]!);
    let sum = 0;
    for (let i = 0; i < D; i++) sum += out.data[r * D + i] = Math.exp(x.data[r * D + i]! - max);
    for (let i = 0; i < D; i++) out.data[r * D + i]! /= sum;
  }
  return out;
}

/** qkv (N, L, 3D) → q, k, v each (N, heads, L, hd); features split as (3, heads, hd) (timm). */
export function splitHeads(qkv: Tensor, heads: number): [Tensor, Tensor, Tensor] {
  const [N, L, F] = expectRank('splitHeads', 'qkv', qkv, 3);
  const D = F! / 3;
  if (!Number.isInteger(D) || D % heads)
    throw new RangeError(`splitHeads: ${F} features are not 3 x ${heads} heads`);
  const hd = D / heads;
  const parts = [0, 1, 2].map(() => tensor([N!, heads, L!, hd]));
  for (let n = 0; n < N!; n++) {
    for (let l = 0; l < L!; l++) {
      for (let s = 0; s < 3; s++) {
        for (let h = 0; h < heads; h++) {
          const from = (n * L! + l) * F! + s * D + h * hd;
          parts[s]!.data.set(qkv.data.subarray(from, from + hd), ((n * heads + h) * L! + l) * hd);
        }
      }
    }
  }
  return parts as [Tensor, Tensor, Tensor];
}

/** softmax(q k^T / sqrt(hd)) v over all tokens: q, k, v (N, H, L, hd) → (N, H, L, hd). */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor): Tensor {
  const [N, H, L, hd] = expectRank('attention', 'q', q, 4);
  expectShape('attention', 'k', k, q.shape);
  expectShape('attention', 'v', v, q.shape);
  const out = tensor(q.shape);
  const s = 1 / Math.sqrt(hd!);
  const w = new Float64Array(L!);
  for (let nh = 0; nh < N! * H!; nh++) {
    const base = nh * L! * hd!;
    for (let i = 0; i < L!; i++) {
      let max = -Infinity;
      for (let j = 0; j < L!; j++) {
        let dot = 0;
        for (let d = 0; d < hd!; d++) dot += q.data[base + i * hd! + d]! * k.data[base + j * hd! + d]!;
        w[j] = dot * s;
        max = Math.max(max, w[j]!);
      }
      let sum = 0;
      for (let j = 0; j < L!; j++) sum += w[j] = Math.exp(w[j]! - max);
      for (let j = 0; j < L!; j++) {
        const p = w[j]! / sum;
        for (let d = 0; d < hd!; d++) out.data[base + i * hd! + d]! += p * v.data[base + j * hd! + d]!;
      }
    }
  }
  return out;
}

/** (N, H, L, hd) → (N, L, H*hd). */
export function mergeHeads(x: Tensor): Tensor {
  const [N, H, L, hd] = expectRank('mergeHeads', 'x', x, 4);
  const out = tensor([N!, L!, H! * hd!]);
  for (let n = 0; n < N!; n++) {
    for (let h = 0; h < H!; h++) {
      for (let l = 0; l < L!; l++) {
        const from = ((n * H! + h) * L! + l) * hd!;
        out.data.set(x.data.subarray(from, from + hd!), (n * L! + l) * H! * hd! + h * hd!);
      }
    }
  }
  return out;
}

/** Multi-head self-attention core (before attn.proj): qkv (N, L, 3D) → (N, L, D). */
export function attention(qkv: Tensor, heads: number): Tensor {
  const [q, k, v] = splitHeads(qkv, heads);
  return mergeHeads(scaledDotProductAttention(q, k, v));
}

// ---------------------------------------------------------------- convolution and resampling

export interface Conv2dOptions {
  readonly stride?: number;
  readonly padding?: number;
}

/** Cross-correlation as nn.Conv2d: x (B, Cin, H, W), weight (Cout, Cin, kh, kw), zero padding. */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  { stride = 1, padding = 0 }: Conv2dOptions = {},
): Tensor {
  const [B, Cin, H, W] = expectRank('conv2d', 'x', x, 4);
  const [Cout, Cin2, kh, kw] = expectRank('conv2d', 'weight', weight, 4);
  if (Cin !== Cin2)
    throw new RangeError(`conv2d: x has ${Cin} channels, weight ${shapeText(weight.shape)} takes ${Cin2}`);
  if (bias) expectShape('conv2d', 'bias', bias, [Cout!]);
  const Ho = Math.floor((H! + 2 * padding - kh!) / stride) + 1;
  const Wo = Math.floor((W! + 2 * padding - kw!) / stride) + 1;
  const out = tensor([B!, Cout!, Ho, Wo]);
  // One kernel tap at a time over whole output rows: the same sum, in a cache-friendly order.
  for (let b = 0; b < B!; b++) {
    for (let co = 0; co < Cout!; co++) {
      const plane = (b * Cout! + co) * Ho * Wo;
      if (bias) out.data.fill(bias.data[co]!, plane, plane + Ho * Wo);
      for (let ci = 0; ci < Cin!; ci++) {
        for (let ky = 0; ky < kh!; ky++) {
          for (let kx = 0; kx < kw!; kx++) {
            const w = weight.data[((co * Cin! + ci) * kh! + ky) * kw! + kx]!;
            // Output columns whose input column ox*stride + kx - padding lies inside [0, W).
            const oxStart = Math.max(0, Math.ceil((padding - kx) / stride));
            const oxEnd = Math.min(Wo, Math.floor((W! - 1 + padding - kx) / stride) + 1);
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * stride + ky - padding;
              if (iy < 0 || iy >= H!) continue;
              const xRow = ((b * Cin! + ci) * H! + iy) * W! + kx - padding;
              const oRow = plane + oy * Wo;
              for (let ox = oxStart; ox < oxEnd; ox++)
                out.data[oRow + ox]! += w * x.data[xRow + ox * stride]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Nearest-neighbour 2x upsampling: (B, C, H, W) → (B, C, 2H, 2W). */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [B, C, H, W] = expectRank('upsampleNearest2x', 'x', x, 4);
  const out = tensor([B!, C!, 2 * H!, 2 * W!]);
  for (let bc = 0; bc < B! * C!; bc++) {
    for (let y = 0; y < 2 * H!; y++) {
      for (let xx = 0; xx < 2 * W!; xx++) {
        out.data[(bc * 2 * H! + y) * 2 * W! + xx] = x.data[(bc * H! + (y >> 1)) * W! + (xx >> 1)]!;
      }
    }
  }
  return out;
}

/** (N, C, T, H, W) → (N*T, C, H, W): the autoencoder works frame by frame. */
export function framesToBatch(x: Tensor): Tensor {
  const [N, C, T, H, W] = expectRank('framesToBatch', 'x', x, 5);
  const plane = H! * W!;
  const out = tensor([N! * T!, C!, H!, W!]);
  for (let n = 0; n < N!; n++) {
    for (let c = 0; c < C!; c++) {
      for (let t = 0; t < T!; t++) {
        const from = ((n * C! + c) * T! + t) * plane;
        out.data.set(x.data.subarray(from, from + plane), ((n * T! + t) * C! + c) * plane);
      }
    }
  }
  return out;
}

/** (N*T, C, H, W) → (N, C, T, H, W). */
export function batchToFrames(x: Tensor, n: number): Tensor {
  const [NT, C, H, W] = expectRank('batchToFrames', 'x', x, 4);
  const T = NT! / n;
  const plane = H! * W!;
  const out = tensor([n, C!, T, H!, W!]);
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C!; c++) {
        const from = ((b * T + t) * C! + c) * plane;
        out.data.set(x.data.subarray(from, from + plane), ((b * C! + c) * T + t) * plane);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- space-time patches

export type Patch = readonly [number, number, number];

/**
 * (N, C, T, H, W) → (N, L, C*pt*ph*pw): tokens in (t, h, w) row-major order, features in
 * (C, pt, ph, pw) order, matching a Conv3d weight (D, C, pt, ph, pw) flattened to (D, -1).
 */
export function patchify(x: Tensor, patch: Patch): Tensor {
  const [N, C, T, H, W] = expectRank('patchify', 'x', x, 5);
  const [pt, ph, pw] = patch;
  if (T! % pt || H! % ph || W! % pw)
    throw new RangeError(`patchify: patch ${shapeText(patch)} does not tile ${shapeText(x.shape)}`);
  const [gt, gh, gw] = [T! / pt, H! / ph, W! / pw];
  const F = C! * pt * ph * pw;
  const out = tensor([N!, gt * gh * gw, F]);
  for (let n = 0; n < N!; n++) {
    for (let t = 0; t < T!; t++) {
      for (let h = 0; h < H!; h++) {
        for (let w = 0; w < W!; w++) {
          const token = (Math.floor(t / pt) * gh + Math.floor(h / ph)) * gw + Math.floor(w / pw);
          const within = ((t % pt) * ph + (h % ph)) * pw + (w % pw);
          for (let c = 0; c < C!; c++) {
            out.data[(n * gt * gh * gw + token) * F + c * pt * ph * pw + within] =
              x.data[(((n * C! + c) * T! + t) * H! + h) * W! + w]!;
          }
        }
      }
    }
  }
  return out;
}

/** The x_embedder Conv3d (kernel = stride = patch) as patchify + linear: → (N, L, D). */
export function patchEmbed(x: Tensor, weight: Tensor, bias: Tensor, patch: Patch): Tensor {
  const D = weight.shape[0]!;
  const flat = { shape: [D, numel(weight.shape.slice(1))], data: weight.data };
  return linear(patchify(x, patch), flat, bias);
}

/**
 * (N, L, pt*ph*pw*C) with features in (pt, ph, pw, C) order (DiT's unpatchify) →
 * (N, C, T, H, W) for a token grid (gt, gh, gw).
 */
export function unpatchify(x: Tensor, grid: Patch, patch: Patch, channels: number): Tensor {
  const [N, L, F] = expectRank('unpatchify', 'x', x, 3);
  const [gt, gh, gw] = grid;
  const [pt, ph, pw] = patch;
  if (L !== gt * gh * gw || F !== pt * ph * pw * channels) {
    throw new RangeError(
      `unpatchify: ${shapeText(x.shape)} is not grid ${shapeText(grid)} x patch ${shapeText(patch)} x ${channels}`,
    );
  }
  const [T, H, W] = [gt * pt, gh * ph, gw * pw];
  const out = tensor([N!, channels, T, H, W]);
  for (let n = 0; n < N!; n++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) {
          const token = (Math.floor(t / pt) * gh + Math.floor(h / ph)) * gw + Math.floor(w / pw);
          const within = ((t % pt) * ph + (h % ph)) * pw + (w % pw);
          for (let c = 0; c < channels; c++) {
            out.data[(((n * channels + c) * T + t) * H + h) * W + w] =
              x.data[(n * L! + token) * F! + within * channels + c]!;
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- prompt

/**
 * Mean of the embedding rows of the non-pad tokens (id 0 is <pad>); the <null> row (id 1)
 * when every token is pad. table (V, D), tokens: one Int32Array of length K per sample.
 */
export function poolPrompt(table: Tensor, tokens: readonly Int32Array[]): Tensor {
  const [V, D] = expectRank('poolPrompt', 'table', table, 2);
  const out = tensor([tokens.length, D!]);
  tokens.forEach((ids, n) => {
    let count = 0;
    for (const id of ids) {
      if (id < 0 || id >= V!) throw new RangeError(`poolPrompt: token id ${id} outside the ${V}-row table`);
      if (id === 0) continue;
      count++;
      for (let d = 0; d < D!; d++) out.data[n * D! + d]! += table.data[id * D! + d]!;
    }
    for (let d = 0; d < D!; d++) {
      out.data[n * D! + d] = count > 0 ? out.data[n * D! + d]! / count : table.data[1 * D! + d]!;
    }
  });
  return out;
}
