import source from '../../../shaders/layernorm_modulate.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
  expectRank,
  expectShape,
  Kernel,
  requireDtype,
  sliceLayout,
  specialize,
  type ColumnSlice,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;

const SHAPE = uniformStruct({
  rows: 'u32',
  dim: 'u32',
  tokens_per_item: 'u32',
  shift_offset: 'u32',
  shift_stride: 'u32',
  scale_offset: 'u32',
  scale_stride: 'u32',
  groups_x: 'u32',
  eps: 'f32',
});

export interface LayerNormModulateArgs {
  x: Tensor; // (B, L, D)
  /** (B, D) columns of the adaLN output, e.g. { tensor: mod (B, 6D), column: 0 }. */
  shift: ColumnSlice;
  scale: ColumnSlice;
  y: Tensor; // (B, L, D)
  /** LayerNorm epsilon; DiT uses 1e-6. */
  eps?: number;
  name?: string;
}

/** y = LayerNorm(x) * (1 + scale) + shift per batch item (DiT `modulate(norm(x), shift, scale)`). */
export function createLayerNormModulate(ctx: OpContext, args: LayerNormModulateArgs): Kernel {
  const op = 'layernorm_modulate';
  const { x, shift, scale, y, eps = 1e-6 } = args;
  expectRank(op, 'x', x, 3);
  const [items, tokens, dim] = x.shape as [number, number, number];
  expectShape(op, 'y', y, x.shape);
  const shiftLayout = sliceLayout(op, 'shift', shift, items, dim);
  const scaleLayout = sliceLayout(op, 'scale', scale, items, dim);
  if (!(eps > 0)) throw new RangeError(`${op}: eps ${eps}`);
  const dtype = commonDtype(op, { x, y, shift: shift.tensor, scale: scale.tensor });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, y, shift: shift.tensor, scale: scale.tensor });

  const rows = items * tokens;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, rows, 1);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: {
      rows,
      dim,
      tokens_per_item: tokens,
      shift_offset: shiftLayout.offset,
      shift_stride: shiftLayout.stride,
      scale_offset: scaleLayout.offset,
      scale_stride: scaleLayout.stride,
      groups_x: groupsX,
      eps,
    },
    bindings: [x.buffer, shift.tensor.buffer, scale.tensor.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
