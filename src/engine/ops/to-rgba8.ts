import source from '../../../shaders/to_rgba8.wgsl?raw';
import {
  checkBindingSizes,
  elementwiseGrid,
  expectRank,
  Kernel,
  requireDtype,
  ShapeError,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const SHAPE = uniformStruct({ pixels: 'u32', groups_x: 'u32' });

export interface ToRgba8Args {
  x: Tensor; // (3, T, H, W) in [-1, 1]
  /** T * H * W u32 words (RGBA bytes), STORAGE | COPY_SRC. */
  rgba: GPUBuffer;
  name?: string;
}

/** Frames as RGBA8 pixels, frame-major, ready for ImageData / VideoFrame. */
export function createToRgba8(ctx: OpContext, args: ToRgba8Args): Kernel {
  const op = 'to_rgba8';
  const { x, rgba } = args;
  expectRank(op, 'x', x, 4);
  const [channels, frames, h, w] = x.shape as number[];
  if (channels !== 3) throw new ShapeError(`${op}: x has ${channels} channels, expected 3`);
  const pixels = frames! * h! * w!;
  if (rgba.size < pixels * 4)
    throw new ShapeError(`${op}: rgba holds ${rgba.size} bytes, needs ${pixels * 4}`);
  requireDtype(ctx.device, op, x.dtype);
  checkBindingSizes(ctx.device, op, { x });
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, pixels, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype: x.dtype },
    name: args.name,
    source: specialize(source, x.dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: { pixels, groups_x: groupsX },
    bindings: [x.buffer, rgba],
    grid: [groupsX, groupsY],
  });
}
