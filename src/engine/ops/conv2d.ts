import source from '../../../shaders/conv2d.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  elementwiseGrid,
  expectRank,
  expectShape,
  Kernel,
  requireDtype,
  specialize,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

const WG = 64;
const OC_BLOCK = 4; // must match shaders/conv2d.wgsl
const SHAPE = uniformStruct({
  count: 'u32',
  in_channels: 'u32',
  height: 'u32',
  width: 'u32',
  out_channels: 'u32',
  out_height: 'u32',
  out_width: 'u32',
  stride: 'u32',
  groups_x: 'u32',
});

export interface Conv2dArgs {
  x: Tensor; // (B, Cin, H, W)
  weight: Tensor; // (Cout, Cin, 3, 3)
  bias: Tensor; // (Cout)
  y: Tensor; // (B, Cout, OH, OW)
  stride: 1 | 2;
  name?: string;
}

/** Output shape of a 3x3, padding-1 convolution. */
export function conv2dOutputShape(x: readonly number[], outChannels: number, stride: 1 | 2): number[] {
  const [b, , h, w] = x as [number, number, number, number];
  return [b, outChannels, Math.floor((h - 1) / stride) + 1, Math.floor((w - 1) / stride) + 1];
}

/** nn.Conv2d(Cin, Cout, 3, stride, padding=1). */
export function createConv2d(ctx: OpContext, args: Conv2dArgs): Kernel {
  const op = 'conv2d';
  const { x, weight, bias, y, stride } = args;
  if (stride !== 1 && stride !== 2) throw new RangeError(`${op}: stride ${stride}`);
  expectRank(op, 'x', x, 4);
  expectRank(op, 'weight', weight, 4);
  const [batch, inChannels, height, width] = x.shape as number[];
  const outChannels = weight.shape[0]!;
  expectShape(op, 'weight', weight, [outChannels, inChannels!, 3, 3]);
  expectShape(op, 'bias', bias, [outChannels]);
  const out = conv2dOutputShape(x.shape, outChannels, stride);
  expectShape(op, 'y', y, out);
  const dtype = commonDtype(op, { x, weight, bias, y });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, weight, bias, y });
  const count = batch! * Math.ceil(outChannels / OC_BLOCK) * out[2]! * out[3]!;
  const [groupsX, groupsY] = elementwiseGrid(ctx.device, count, WG);
  return new Kernel(ctx, {
    key: { name: op, dtype },
    name: args.name,
    source: specialize(source, dtype),
    constants: { WG },
    uniforms: SHAPE,
    values: {
      count,
      in_channels: inChannels!,
      height: height!,
      width: width!,
      out_channels: outChannels,
      out_height: out[2]!,
      out_width: out[3]!,
      stride,
      groups_x: groupsX,
    },
    bindings: [x.buffer, weight.buffer, bias.buffer, y.buffer],
    grid: [groupsX, groupsY],
  });
}
