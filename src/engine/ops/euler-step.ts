import source from '../../../shaders/euler_step.wgsl?raw';
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
const SHAPE = uniformStruct({
  count: 'u32',
  halves: 'u32',
  groups_x: 'u32',
  t: 'f32',
  t_next: 'f32',
  guidance: 'f32',
});

export interface EulerStepArgs {
  /** State (B, ...), updated in place. */
  x: Tensor;
  /** Velocity, same shape as x. */
  v: Tensor;
  /** Classifier-free guidance: the batch is [cond (N), uncond (N)]; both halves of x get the result. */
  cfg: boolean;
  t: number;
  tNext: number;
  guidance?: number;
  name?: string;
}

export type EulerStepKernel = Kernel<typeof SHAPE.fields>;

/** x += (t_next - t) v, v guided when `cfg`; `kernel.update({ t, t_next })` before each step. */
export function createEulerStep(ctx: OpContext, args: EulerStepArgs): EulerStepKernel {
  const op = 'euler_step';
  const { x, v, cfg, guidance = 1 } = args;
  expectShape(op, 'v', v, x.shape);
  const halves = cfg ? 2 : 1;
  if (cfg && x.shape[0]! % 2 !== 0) throw new ShapeError(`${op}: cfg needs an even batch, x is [${x.shape}]`);
  const dtype = commonDtype(op, { x, v });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, v });
  const count = numel(x.shape) / halves;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype, variant: cfg ? 'cfg' : 'plain' },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { count, halves, groups_x: groupsX, t: args.t, t_next: args.tNext, guidance },
    bindings: [v.buffer, x.buffer],
    grid: [groupsX, groupsY],
  });
}
