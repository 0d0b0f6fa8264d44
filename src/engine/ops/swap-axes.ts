import source from '../../../shaders/swap_axes.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
  expectShape,
  Kernel,
  numel,
  requireDtype,
  ShapeError,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const SHAPE = uniformStruct({ count: 'u32', a: 'u32', b: 'u32', inner: 'u32', groups_x: 'u32' });

export interface SwapAxesArgs {
  x: Tensor; // (d0, d1, d2, ...rest)
  y: Tensor; // (d0, d2, d1, ...rest)
  name?: string;
}

export function swappedShape(shape: readonly number[]): number[] {
  const [d0, d1, d2, ...rest] = shape;
  return [d0!, d2!, d1!, ...rest];
}

/** Swaps axes 1 and 2 (frames <-> channels between clip and frame-batch layouts). */
export function createSwapAxes(ctx: OpContext, args: SwapAxesArgs): Kernel {
  const op = 'swap_axes';
  const { x, y } = args;
  if (x.shape.length < 3) throw new ShapeError(`${op}: x needs rank >= 3, got [${x.shape}]`);
  expectShape(op, 'y', y, swappedShape(x.shape));
  const dtype = commonDtype(op, { x, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, y });
  const count = numel(x.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { count, a: x.shape[1]!, b: x.shape[2]!, inner: numel(x.shape.slice(3)), groups_x: groupsX },
    bindings: [x.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
