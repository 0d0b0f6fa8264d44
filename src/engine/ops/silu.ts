import source from '../../../shaders/silu.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
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
const SHAPE = uniformStruct({ count: 'u32', groups_x: 'u32' });

export interface SiluArgs {
  x: Tensor;
  y: Tensor; // same shape as x; may not be x's buffer
  name?: string;
}

/** y = x * sigmoid(x), elementwise. */
export function createSilu(ctx: OpContext, args: SiluArgs): Kernel {
  const op = 'silu';
  const { x, y } = args;
  expectShape(op, 'y', y, x.shape);
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
    values: { count, groups_x: groupsX },
    bindings: [x.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
