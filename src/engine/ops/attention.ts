import source from '../../../shaders/attention.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  DTYPE_BYTES,
  expectRank,
  expectShape,
  Kernel,
  requireDtype,
  ShapeError,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

/** Queries per workgroup (one per invocation). */
const WG = 64;
/** Must match MAX_HEAD_DIM and MAX_TILE_KEYS in shaders/attention.wgsl. */
export const MAX_HEAD_DIM = 128;
const MAX_TILE_KEYS = 64;
/** K and V tiles share 16 KiB of workgroup memory (the WebGPU minimum limit). */
const TILE_BYTES = 8192;

const SHAPE = uniformStruct({
  batch: 'u32',
  tokens: 'u32',
  heads: 'u32',
  head_dim: 'u32',
  tile_keys: 'u32',
  scale: 'f32',
});

export interface AttentionArgs {
  qkv: Tensor; // (B, L, 3*D), the qkv Linear's output in timm order (3, heads, head_dim)
  out: Tensor; // (B, L, D)
  heads: number;
  name?: string;
}

/** softmax(q k^T / sqrt(head_dim)) v per head, flash-style (see shaders/attention.wgsl). */
export function createAttention(ctx: OpContext, args: AttentionArgs): Kernel {
  const op = 'attention';
  const { qkv, out, heads } = args;
  expectRank(op, 'qkv', qkv, 3);
  const [batch, tokens, width] = qkv.shape as [number, number, number];
  if (!Number.isInteger(heads) || heads < 1 || width % (3 * heads) !== 0) {
    throw new ShapeError(`${op}: qkv width ${width} is not 3 * heads (${heads}) * head_dim`);
  }
  const dim = width / 3;
  const headDim = dim / heads;
  if (headDim > MAX_HEAD_DIM) throw new ShapeError(`${op}: head_dim ${headDim} exceeds ${MAX_HEAD_DIM}`);
  expectShape(op, 'out', out, [batch, tokens, dim]);
  const dtype = commonDtype(op, { qkv, out });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { qkv, out });

  const tileElems = TILE_BYTES / DTYPE_BYTES[dtype];
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG, TILE_ELEMS: tileElems },
    uniforms: SHAPE,
    values: {
      batch,
      tokens,
      heads,
      head_dim: headDim,
      tile_keys: Math.min(MAX_TILE_KEYS, Math.floor(tileElems / headDim)),
      scale: 1 / Math.sqrt(headDim),
    },
    bindings: [qkv.buffer, out.buffer],
    grid: [Math.ceil(tokens / WG), batch * heads],
  });
}
