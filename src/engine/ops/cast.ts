import source from '../../../shaders/cast.wgsl?raw';
import {
  checkBindingSizes,
  elementwiseGrid,
  expectShape,
  Kernel,
  numel,
  requireDtype,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const SHAPE = uniformStruct({ count: 'u32', groups_x: 'u32' });
const F32_TO_F16 =
  'alias S = f32;  // source type; the wrapper swaps S and D for the other direction\nalias D = f16;';

export interface CastArgs {
  x: Tensor;
  y: Tensor; // same shape, the other dtype
  name?: string;
}

/** y = x as the other float type (f32 <-> f16); values beyond f16's range become +-inf. */
export function createCast(ctx: OpContext, args: CastArgs): Kernel {
  const op = 'cast';
  const { x, y } = args;
  expectShape(op, 'y', y, x.shape);
  if (x.dtype === y.dtype) throw new TypeError(`${op}: x and y are both ${x.dtype}; nothing to convert`);
  requireDtype(ctx.device, op, 'f16');
  checkBindingSizes(ctx.device, op, { x, y });
  if (!source.includes(F32_TO_F16)) throw new Error('cast.wgsl lacks its S/D aliases');
  const code = x.dtype === 'f32' ? source : source.replace(F32_TO_F16, 'alias S = f16;\nalias D = f32;');
  const count = numel(x.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype: 'f16', variant: `${x.dtype}_to_${y.dtype}` },
    name: args.name,
    source: code,
    constants: { WG },
    uniforms: SHAPE,
    values: { count, groups_x: groupsX },
    bindings: [x.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
