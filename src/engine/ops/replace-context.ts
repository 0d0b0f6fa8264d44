import channelsSource from '../../../shaders/context_channels.wgsl?raw';
import replaceSource from '../../../shaders/replace_context.wgsl?raw';
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
  given: 'u32',
  pixels: 'u32',
  context_batch: 'u32',
  groups_x: 'u32',
});

/** Checks x (B, C, T, H, W) against context (Bc, C, T, H, W), Bc dividing B, given <= T. */
function contextLayout(op: string, x: Tensor, context: Tensor, given: number) {
  expectRank(op, 'x', x, 5);
  expectRank(op, 'context', context, 5);
  const [batch, channels, frames, h, w] = x.shape as [number, number, number, number, number];
  const contextBatch = context.shape[0]!;
  expectShape(op, 'context', context, [contextBatch, channels, frames, h, w]);
  if (batch % contextBatch !== 0) {
    throw new ShapeError(`${op}: context batch ${contextBatch} does not divide x batch ${batch}`);
  }
  if (!Number.isInteger(given) || given < 0 || given > frames) {
    throw new ShapeError(`${op}: ${given} given frames of ${frames}`);
  }
  return { batch, channels, frames, pixels: h * w, contextBatch };
}

export interface ReplaceContextArgs {
  x: Tensor; // (B, C, T, H, W), updated in place
  context: Tensor; // (Bc, C, T, H, W), Bc divides B; only the first `given` frames are read
  given: number;
  name?: string;
}

/** x[b, :, :given] = context[b % Bc, :, :given] (the given frames replace the sampled ones). */
export function createReplaceContext(ctx: OpContext, args: ReplaceContextArgs): Kernel {
  const op = 'replace_context';
  const { x, context, given } = args;
  const layout = contextLayout(op, x, context, given);
  const dtype = commonDtype(op, { x, context });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, context });
  // Every frame gets a thread and the shader skips t >= given: `kernel.update({ given })`
  // then works for any count without a new grid.
  const count = layout.batch * layout.channels * layout.frames * layout.pixels;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(replaceSource, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: {
      count,
      channels: layout.channels,
      frames: layout.frames,
      given,
      pixels: layout.pixels,
      context_batch: layout.contextBatch,
      groups_x: groupsX,
    },
    bindings: [context.buffer, x.buffer],
    grid: [groupsX, groupsY],
  });
}

export interface ContextChannelsArgs {
  x: Tensor; // (B, C, T, H, W)
  context: Tensor; // (Bc, C, T, H, W)
  y: Tensor; // (B, 2C + 1, T, H, W)
  given: number;
  name?: string;
}

export function contextChannelsShape(x: readonly number[]): number[] {
  const [b, c, t, h, w] = x as [number, number, number, number, number];
  return [b, 2 * c + 1, t, h, w];
}

/** The continuation input [x, context * mask, mask] (reference `withContextChannels`). */
export function createContextChannels(ctx: OpContext, args: ContextChannelsArgs): Kernel {
  const op = 'context_channels';
  const { x, context, y, given } = args;
  const layout = contextLayout(op, x, context, given);
  expectShape(op, 'y', y, contextChannelsShape(x.shape));
  const dtype = commonDtype(op, { x, context, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, context, y });
  const count = numel(y.shape);
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(channelsSource, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: {
      count,
      channels: layout.channels,
      frames: layout.frames,
      given,
      pixels: layout.pixels,
      context_batch: layout.contextBatch,
      groups_x: groupsX,
    },
    bindings: [x.buffer, context.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
