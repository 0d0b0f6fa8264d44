import source from '../../../shaders/upsample_nearest2x.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
  expectRank,
  expectShape,
  Kernel,
  numel,
  requireDtype,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const SHAPE = uniformStruct({ count: 'u32', height: 'u32', width: 'u32', groups_x: 'u32' });

export interface UpsampleArgs {
  x: Tensor; // (B, C, H, W)
  y: Tensor; // (B, C, 2H, 2W)
  name?: string;
}

export function upsampleOutputShape(x: readonly number[]): number[] {
  const [b, c, h, w] = x as [number, number, number, number];
  return [b, c, 2 * h, 2 * w];
}

/** Nearest-neighbour 2x upsampling (the decoder's F.interpolate(scale_factor=2)). */
export function createUpsampleNearest2x(ctx: OpContext, args: UpsampleArgs): Kernel {
  const op = 'upsample_nearest2x';
  const { x, y } = args;
  expectRank(op, 'x', x, 4);
  expectShape(op, 'y', y, upsampleOutputShape(x.shape));
  const dtype = commonDtype(op, { x, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, y });
  const count = numel(y.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { count, height: x.shape[2]!, width: x.shape[3]!, groups_x: groupsX },
    bindings: [x.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
