import source from '../../../shaders/group_norm.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
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

const WG = 64;
const SHAPE = uniformStruct({
  spans: 'u32',
  channels: 'u32',
  groups: 'u32',
  pixels: 'u32',
  groups_x: 'u32',
  eps: 'f32',
});

export interface GroupNormArgs {
  x: Tensor; // (B, C, H, W)
  gamma: Tensor; // (C)
  beta: Tensor; // (C)
  y: Tensor; // (B, C, H, W)
  groups: number;
  /** Fuse the SiLU that follows GroupNorm in the decoder's blocks. */
  silu: boolean;
  /** PyTorch's default 1e-5. */
  eps?: number;
  name?: string;
}

/** nn.GroupNorm(groups, C) (+ SiLU), one workgroup per (item, group). */
export function createGroupNorm(ctx: OpContext, args: GroupNormArgs): Kernel {
  const op = 'group_norm';
  const { x, gamma, beta, y, groups, silu, eps = 1e-5 } = args;
  expectRank(op, 'x', x, 4);
  const [batch, channels, h, w] = x.shape as number[];
  if (!Number.isInteger(groups) || groups < 1 || channels! % groups !== 0) {
    throw new ShapeError(`${op}: ${channels} channels do not split into ${groups} groups`);
  }
  expectShape(op, 'gamma', gamma, [channels!]);
  expectShape(op, 'beta', beta, [channels!]);
  expectShape(op, 'y', y, x.shape);
  if (!(eps > 0)) throw new RangeError(`${op}: eps ${eps}`);
  const dtype = commonDtype(op, { x, gamma, beta, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, gamma, beta, y });
  const spans = batch! * groups;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, spans, 1);
  return new Kernel(ctx, {
    key: { name: op, dtype, variant: silu ? 'silu' : 'plain' },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG, SILU: silu ? 1 : 0 },
    uniforms: SHAPE,
    values: { spans, channels: channels!, groups, pixels: h! * w!, groups_x: groupsX, eps },
    bindings: [x.buffer, gamma.buffer, beta.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
