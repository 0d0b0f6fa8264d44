// What each space-time patch attends to: the softmax(q k^T / sqrt(hd)) matrix of one block.
// The attention kernel never forms this L x L matrix (online softmax); the Inspector asks for
// it rarely, so the host computes it from the qkv projection the GPU forward stops at.

/** Token index of grid cell (t, h, w), in patchify's order: time-major, then rows, then columns. */
export function tokenIndex(grid: readonly [number, number, number], t: number, h: number, w: number): number {
  return (t * grid[1] + h) * grid[2] + w;
}

/** Grid cell (t, h, w) of a token index; the inverse of tokenIndex. */
export function tokenCell(grid: readonly [number, number, number], token: number): [number, number, number] {
  const w = token % grid[2];
  const h = Math.floor(token / grid[2]) % grid[1];
  return [Math.floor(token / (grid[1] * grid[2])), h, w];
}

/**
 * Attention probabilities of every head and query: qkv (L, 3D) of one batch item, features
 * laid out [q | k | v] with each split into `heads` runs of hd = D / heads. Returns
 * (heads, L queries, L keys), each row summing to 1.
 */
export function attentionProbabilities(
  qkv: ArrayLike<number>,
  tokens: number,
  dim: number,
  heads: number,
): Float32Array {
  if (dim % heads !== 0) throw new RangeError(`attention: dim ${dim} does not split into ${heads} heads`);
  if (qkv.length < tokens * 3 * dim) {
    throw new RangeError(
      `attention: qkv has ${qkv.length} values, (${tokens}, ${3 * dim}) needs ${tokens * 3 * dim}`,
    );
  }
  const hd = dim / heads;
  const scale = 1 / Math.sqrt(hd);
  const out = new Float32Array(heads * tokens * tokens);
  const logits = new Float64Array(tokens);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < tokens; i++) {
      const q = i * 3 * dim + h * hd;
      let max = -Infinity;
      for (let j = 0; j < tokens; j++) {
        const k = j * 3 * dim + dim + h * hd;
        let dot = 0;
        for (let e = 0; e < hd; e++) dot += qkv[q + e]! * qkv[k + e]!;
        logits[j] = dot * scale;
        if (logits[j]! > max) max = logits[j]!;
      }
      let sum = 0;
      for (let j = 0; j < tokens; j++) sum += logits[j] = Math.exp(logits[j]! - max);
      const row = (h * tokens + i) * tokens;
      for (let j = 0; j < tokens; j++) out[row + j] = logits[j]! / sum;
    }
  }
  return out;
}

/** The mean over heads of (heads, L, L) probabilities: (L, L). */
export function meanOverHeads(probabilities: Float32Array, heads: number, tokens: number): Float32Array {
  const out = new Float32Array(tokens * tokens);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < out.length; i++) out[i]! += probabilities[h * out.length + i]! / heads;
  }
  return out;
}

/** How spread a row of probabilities is, in tokens: exp(entropy), 1 (one key) to L (uniform). */
export function effectiveKeys(row: ArrayLike<number>): number {
  let entropy = 0;
  for (let j = 0; j < row.length; j++) {
    const p = row[j]!;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}
