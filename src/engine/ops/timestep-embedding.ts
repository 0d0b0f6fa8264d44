import source from '../../../shaders/timestep_embedding.wgsl?raw';
import {
  checkBindingSizes,
  elementwiseGrid,
  expectRank,
  expectShape,
  Kernel,
  requireDtype,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const SHAPE = uniformStruct({ count: 'u32', dim: 'u32', half: 'u32', groups_x: 'u32', t_scale: 'f32' });

export interface TimestepEmbeddingArgs {
  /** (N) timesteps, always f32 (an f16 t would lose the argument's precision). */
  t: Tensor;
  y: Tensor; // (N, dim)
  /** Multiplies t before embedding: 1000 for a rectified-flow t in [0, 1] (DiT convention). */
  tScale?: number;
  maxPeriod?: number;
  name?: string;
}

/** DiT's sinusoidal timestep embedding [cos(t f), sin(t f)]; see shaders/timestep_embedding.wgsl. */
export function createTimestepEmbedding(ctx: OpContext, args: TimestepEmbeddingArgs): Kernel {
  const op = 'timestep_embedding';
  const { t, y, tScale = 1000, maxPeriod = 10000 } = args;
  expectRank(op, 't', t, 1);
  if (t.dtype !== 'f32') throw new TypeError(`${op}: t must be f32, got ${t.dtype}`);
  expectRank(op, 'y', y, 2);
  const [items, dim] = y.shape as [number, number];
  expectShape(op, 'y', y, [t.shape[0]!, dim]);
  requireDtype(ctx.device, op, y.dtype);
  checkBindingSizes(ctx.device, op, { t, y });

  const half = Math.floor(dim / 2);
  const table = new Float32Array(Math.max(1, half));
  for (let i = 0; i < half; i++) table[i] = Math.exp((-Math.log(maxPeriod) * i) / half);
  const freqs = ctx.device.createBuffer({
    label: `${op}:freqs`,
    size: Math.max(16, table.byteLength),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  ctx.device.queue.writeBuffer(freqs, 0, table);

  const count = items * dim;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype: y.dtype },
    name: args.name,
    source: specialize(source, y.dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { count, dim, half, groups_x: groupsX, t_scale: tScale },
    bindings: [t.buffer, freqs, y.buffer],
    grid: [groupsX, groupsY],
    owned: [freqs],
  });
}
