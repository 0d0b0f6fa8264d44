// Float64 reference of the per-frame autoencoder, as training/tessera/autoencoder.py.
// Pixels (N, 3, T, H, W) in [-1, 1] ↔ latents (N, C, T, H / 2^levels, W / 2^levels).

import type { ModelConfig } from '../config.ts';
import type { Trace } from './dit.ts';
import { batchToFrames, conv2d, framesToBatch, groupNorm, scale, silu, upsampleNearest2x } from './ops.ts';
import { tensor, type Tensor } from './tensor.ts';
import { weight, type Weights } from './weights.ts';

function autoencoderOf(config: ModelConfig) {
  if (!config.autoencoder) throw new Error(`model ${JSON.stringify(config.id)} has no autoencoder`);
  return config.autoencoder;
}

function conv(weights: Weights, name: string, x: Tensor, stride = 1): Tensor {
  return conv2d(x, weight(weights, `${name}.weight`), weight(weights, `${name}.bias`), {
    stride,
    padding: 1,
  });
}

function norm(config: ModelConfig, weights: Weights, name: string, x: Tensor): Tensor {
  return groupNorm(
    x,
    autoencoderOf(config).groups,
    weight(weights, `${name}.weight`),
    weight(weights, `${name}.bias`),
  );
}

/** Frames (B, 3, H, W) → unscaled latents (B, C, Hl, Wl). Traces 'encoder.*' like the goldens. */
export function encoderForward(config: ModelConfig, weights: Weights, x: Tensor, trace?: Trace): Tensor {
  const levels = autoencoderOf(config).hidden.length;
  let h = conv(weights, 'encoder.conv_in', x); // (B, h0, H, W)
  trace?.('encoder.conv_in', h);
  for (let i = 0; i < levels; i++) {
    h = conv(weights, `encoder.down.${i}.conv`, silu(norm(config, weights, `encoder.down.${i}.norm`, h)), 2); // (B, h_i, H/2, W/2)
    trace?.(`encoder.down.${i}`, h);
  }
  h = norm(config, weights, 'encoder.norm_out', h);
  trace?.('encoder.norm_out', h);
  h = conv(weights, 'encoder.conv_out', silu(h)); // (B, C, Hl, Wl)
  trace?.('encoder.conv_out', h);
  return h;
}

/** Unscaled latents (B, C, Hl, Wl) → frames (B, 3, H, W). */
export function decoderForward(config: ModelConfig, weights: Weights, z: Tensor, trace?: Trace): Tensor {
  const levels = autoencoderOf(config).hidden.length;
  let h = conv(weights, 'decoder.conv_in', z); // (B, h_last, Hl, Wl)
  trace?.('decoder.conv_in', h);
  for (let i = 0; i < levels; i++) {
    h = upsampleNearest2x(silu(norm(config, weights, `decoder.up.${i}.norm`, h)));
    h = conv(weights, `decoder.up.${i}.conv`, h); // (B, ..., 2x, 2x)
    trace?.(`decoder.up.${i}`, h);
  }
  h = norm(config, weights, 'decoder.norm_out', h);
  trace?.('decoder.norm_out', h);
  h = conv(weights, 'decoder.conv_out', silu(h)); // (B, 3, H, W)
  trace?.('decoder.conv_out', h);
  return h;
}

/** Pixels (N, 3, T, H, W) → latents (N, C, T, Hl, Wl) * latent_scale. */
export function encode(config: ModelConfig, weights: Weights, pixels: Tensor, trace?: Trace): Tensor {
  const z = encoderForward(config, weights, framesToBatch(pixels), trace); // (N*T, C, Hl, Wl)
  return scale(batchToFrames(z, pixels.shape[0]!), autoencoderOf(config).latentScale);
}

/** Latents (N, C, T, Hl, Wl) → pixels (N, 3, T, H, W), undoing latent_scale first. */
export function decode(config: ModelConfig, weights: Weights, latent: Tensor, trace?: Trace): Tensor {
  const s = autoencoderOf(config).latentScale;
  const z = framesToBatch(
    tensor(
      latent.shape,
      latent.data.map((v) => v / s),
    ),
  );
  return batchToFrames(decoderForward(config, weights, z, trace), latent.shape[0]!);
}
