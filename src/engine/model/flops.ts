// Floating-point operations of one DiT forward (a multiply-add counts 2), so a measured time
// turns into a fraction of any adapter's peak.
import type { ModelConfig } from './config.ts';

export interface ForwardFlops {
  embed: number;
  /** qkv, proj, fc1, fc2 over all blocks. */
  linear: number;
  /** q k^T and attention-weighted v over all blocks and heads. */
  attention: number;
  /** adaLN modulation, timestep and prompt MLPs: per item, not per token. */
  conditioning: number;
  final: number;
  total: number;
}

/** FLOPs of one forward pass over `batch` clips. */
export function ditForwardFlops(config: ModelConfig, batch: number): ForwardFlops {
  const L = config.tokens;
  const D = config.dim;
  const [pt, ph, pw] = config.patch;
  const embed = 2 * L * config.inChannels * pt * ph * pw * D;
  const linear = config.depth * 2 * L * (3 * D * D + D * D + 2 * D * config.mlpHidden);
  const attention = config.depth * 2 * 2 * L * L * D;
  const conditioning = 2 * (256 * D + 3 * D * D) + config.depth * 2 * D * 6 * D + 2 * D * 2 * D;
  const final = 2 * L * D * config.patchDim;
  const perItem = { embed, linear, attention, conditioning, final };
  const scaled = Object.fromEntries(Object.entries(perItem).map(([k, v]) => [k, v * batch])) as Omit<
    ForwardFlops,
    'total'
  >;
  return { ...scaled, total: Object.values(scaled).reduce((a, b) => a + b, 0) };
}
