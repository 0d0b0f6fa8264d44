import patchifySource from '../../../shaders/patchify.wgsl?raw';
import unpatchifySource from '../../../shaders/unpatchify.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
  expectRank,
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
  channels: 'u32',
  frames: 'u32',
  height: 'u32',
  width: 'u32',
  pt: 'u32',
  ph: 'u32',
  pw: 'u32',
  groups_x: 'u32',
});

export type Patch = readonly [pt: number, ph: number, pw: number];

/** Tokens (B, L, C*pt*ph*pw) for a clip (B, C, T, H, W); each of T, H, W divisible by its patch. */
export function tokenShape(clip: readonly number[], patch: Patch): [b: number, l: number, features: number] {
  const [b, c, t, h, w] = clip as [number, number, number, number, number];
  const [pt, ph, pw] = patch;
  if (clip.length !== 5 || t % pt || h % ph || w % pw) {
    throw new ShapeError(`clip [${clip}] is not whole patches of [${patch}]`);
  }
  return [b, (t / pt) * (h / ph) * (w / pw), c * pt * ph * pw];
}

export interface PatchifyArgs {
  x: Tensor; // (B, C, T, H, W)
  y: Tensor; // (B, L, C*pt*ph*pw), features in Conv3d weight order (c, kt, kh, kw)
  patch: Patch;
  name?: string;
}

export interface UnpatchifyArgs {
  x: Tensor; // (B, L, pt*ph*pw*C), features in (kt, kh, kw, c) order
  y: Tensor; // (B, C, T, H, W)
  patch: Patch;
  name?: string;
}

function create(
  ctx: OpContext,
  op: 'patchify' | 'unpatchify',
  x: Tensor,
  y: Tensor,
  clip: Tensor,
  patch: Patch,
  name: string | undefined,
): Kernel {
  expectRank(op, op === 'patchify' ? 'x' : 'y', clip, 5);
  const tokens = tokenShape(clip.shape, patch);
  expectShape(op, op === 'patchify' ? 'y' : 'x', op === 'patchify' ? y : x, tokens);
  const dtype = commonDtype(op, { x, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, y });
  const [, channels, frames, height, width] = clip.shape as number[];
  const count = numel(y.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name,
    source: specialize(op === 'patchify' ? patchifySource : unpatchifySource, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: {
      count,
      channels: channels!,
      frames: frames!,
      height: height!,
      width: width!,
      pt: patch[0],
      ph: patch[1],
      pw: patch[2],
      groups_x: groupsX,
    },
    bindings: [x.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}

/** Space-time patches of a latent clip, ready for x_embedder as a matmul. */
export function createPatchify(ctx: OpContext, args: PatchifyArgs): Kernel {
  return create(ctx, 'patchify', args.x, args.y, args.x, args.patch, args.name);
}

/** The final layer's per-token patches back to a clip. */
export function createUnpatchify(ctx: OpContext, args: UnpatchifyArgs): Kernel {
  return create(ctx, 'unpatchify', args.x, args.y, args.y, args.patch, args.name);
}
