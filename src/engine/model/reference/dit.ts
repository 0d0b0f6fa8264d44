// Float64 reference of the DiT forward, op for op as training/tessera/model.py.

import type { ModelConfig } from '../config.ts';
import { posEmbed3d, timestepEmbedding } from './embeddings.ts';
import {
  add,
  attention,
  chunk,
  gatedResidual,
  gelu,
  layerNorm,
  linear,
  modulate,
  patchEmbed,
  poolPrompt,
  silu,
  unpatchify,
} from './ops.ts';
import { expectRank, type Tensor } from './tensor.ts';
import { weight, type Weights } from './weights.ts';

export const LN_EPS = 1e-6;

/** Receives each named intermediate (the golden names: 'blocks.0.attn', 'velocity', ...). */
export type Trace = (name: string, value: Tensor) => void;

/** Linear, SiLU, Linear: the embedders' `mlp.0` / `mlp.2`. */
function mlp2(weights: Weights, prefix: string, x: Tensor): Tensor {
  const h = silu(linear(x, weight(weights, `${prefix}.0.weight`), weight(weights, `${prefix}.0.bias`)));
  return linear(h, weight(weights, `${prefix}.2.weight`), weight(weights, `${prefix}.2.bias`));
}

function lin(weights: Weights, prefix: string, x: Tensor): Tensor {
  return linear(x, weight(weights, `${prefix}.weight`), weight(weights, `${prefix}.bias`));
}

/** adaLN-Zero block: c (N, D) sets shift/scale/gate of attention and MLP. x (N, L, D). */
export function ditBlock(
  config: ModelConfig,
  weights: Weights,
  i: number,
  x: Tensor,
  c: Tensor,
  trace?: Trace,
): Tensor {
  const p = `blocks.${i}`;
  const mod = lin(weights, `${p}.adaLN_modulation.1`, silu(c)); // (N, 6D)
  trace?.(`${p}.adaLN_modulation`, mod);
  const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = chunk(mod, 6) as [
    Tensor,
    Tensor,
    Tensor,
    Tensor,
    Tensor,
    Tensor,
  ];
  const qkv = lin(weights, `${p}.attn.qkv`, modulate(layerNorm(x, LN_EPS), shiftMsa, scaleMsa)); // (N, L, 3D)
  trace?.(`${p}.attn.qkv`, qkv);
  const a = lin(weights, `${p}.attn.proj`, attention(qkv, config.heads)); // (N, L, D)
  trace?.(`${p}.attn`, a);
  x = gatedResidual(x, gateMsa, a);
  const h = gelu(lin(weights, `${p}.mlp.fc1`, modulate(layerNorm(x, LN_EPS), shiftMlp, scaleMlp))); // (N, L, 4D)
  const m = lin(weights, `${p}.mlp.fc2`, h); // (N, L, D)
  trace?.(`${p}.mlp`, m);
  x = gatedResidual(x, gateMlp, m);
  trace?.(p, x);
  return x;
}

/**
 * Velocity (N, C, T, H, W) for x (N, Cin, T, H, W) (x_t, then context and mask channels when
 * the model has them), t (N) in [0, 1], and one token-id array per sample.
 */
export function ditForward(
  config: ModelConfig,
  weights: Weights,
  x: Tensor,
  t: ArrayLike<number>,
  tokens: readonly Int32Array[],
  trace?: Trace,
): Tensor {
  const [N, , T, H, W] = expectRank('ditForward', 'x', x, 5);
  if (t.length !== N || tokens.length !== N) {
    throw new RangeError(`ditForward: batch ${N} but ${t.length} times and ${tokens.length} prompts`);
  }
  const [pt, ph, pw] = config.patch;
  const grid = [T! / pt, H! / ph, W! / pw] as const;

  let h = patchEmbed(
    x,
    weight(weights, 'x_embedder.proj.weight'),
    weight(weights, 'x_embedder.proj.bias'),
    config.patch,
  ); // (N, L, D)
  trace?.('x_embedder', h);
  const pos = posEmbed3d(config.dim, grid); // (L, D)
  trace?.('pos_embed', pos);
  h = add(h, pos);

  const tFreq = timestepEmbedding(Array.from(t, (v) => v * 1000)); // (N, 256)
  trace?.('t_freq', tFreq);
  const tEmb = mlp2(weights, 't_embedder.mlp', tFreq); // (N, D)
  trace?.('t_embedder', tEmb);
  const pooled = poolPrompt(weight(weights, 'y_embedder.embedding_table.weight'), tokens); // (N, D)
  trace?.('y_pooled', pooled);
  const yEmb = mlp2(weights, 'y_embedder.mlp', pooled); // (N, D)
  trace?.('y_embedder', yEmb);
  const c = add(tEmb, yEmb); // (N, D)
  trace?.('c', c);

  for (let i = 0; i < config.depth; i++) h = ditBlock(config, weights, i, h, c, trace); // (N, L, D)

  const [shift, scaleBy] = chunk(lin(weights, 'final_layer.adaLN_modulation.1', silu(c)), 2) as [
    Tensor,
    Tensor,
  ];
  const out = lin(weights, 'final_layer.linear', modulate(layerNorm(h, LN_EPS), shift, scaleBy)); // (N, L, patchDim)
  trace?.('final_layer', out);
  const velocity = unpatchify(out, grid, config.patch, config.outChannels); // (N, C, T, H, W)
  trace?.('velocity', velocity);
  return velocity;
}
