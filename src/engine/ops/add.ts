import source from '../../../shaders/add.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
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
const SHAPE = uniformStruct({ count: 'u32', b_count: 'u32', groups_x: 'u32' });

export interface AddArgs {
  /** Updated in place. */
  y: Tensor;
  /** Same shape as y, or y's trailing dims (broadcast over the leading ones). */
  b: Tensor;
  name?: string;
}

/** y += b, b broadcast over y's leading dims: `x = x_embedder(x) + pos_embed`, `c = t + y`. */
export function createAdd(ctx: OpContext, args: AddArgs): Kernel {
  const op = 'add';
  const { y, b } = args;
  const tail = y.shape.slice(y.shape.length - b.shape.length);
  if (b.shape.length > y.shape.length || tail.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`${op}: b [${b.shape}] is not the trailing dims of y [${y.shape}]`);
  }
  const dtype = commonDtype(op, { y, b });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { y, b });
  const count = numel(y.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { count, b_count: numel(b.shape), groups_x: groupsX },
    bindings: [b.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
