import source from '../../../shaders/matmul.wgsl?raw';
import {
  checkBindingSizes,
  commonDtype,
  expectRank,
  expectShape,
  Kernel,
  requireDtype,
  ShapeError,
  sliceLayout,
  specialize,
  unusedBinding,
  type ColumnSlice,
  type OpContext,
  type Tensor,
} from './kernel.ts';
import { uniformStruct } from './uniforms.ts';

export const MATMUL_EPILOGUES = ['none', 'bias', 'bias_gelu', 'bias_gated_residual'] as const;
export type MatmulEpilogue = (typeof MATMUL_EPILOGUES)[number];

/** Thread block and K slice; the tile is (WG_Y*4) x (WG_X*4). */
const TILING = { WG_X: 8, WG_Y: 8, TILE_K: 8 } as const;
const ROWS_PER_THREAD = 4;
const COLS_PER_THREAD = 4;

const SHAPE = uniformStruct({
  m: 'u32',
  n: 'u32',
  k: 'u32',
  tokens_per_item: 'u32',
  gate_offset: 'u32',
  gate_stride: 'u32',
});

export interface MatmulArgs {
  x: Tensor; // (M, K)
  w: Tensor; // (N, K), a PyTorch Linear weight
  bias?: Tensor; // (N)
  /** Output (M, N); for `bias_gated_residual` it holds the residual and is updated in place. */
  y: Tensor;
  /** `bias_gated_residual` only: gate per batch item, columns of a (M / tokensPerItem, *) tensor. */
  gate?: ColumnSlice;
  /** `bias_gated_residual` only: rows per batch item (L). */
  tokensPerItem?: number;
  epilogue: MatmulEpilogue;
  name?: string;
}

export function matmulOutputShape(x: Tensor, w: Tensor): [m: number, n: number] {
  return [x.shape[0]!, w.shape[0]!];
}

/** y = x w^T (+ b) with a fused epilogue; see shaders/matmul.wgsl. */
export function createMatmul(ctx: OpContext, args: MatmulArgs): Kernel {
  const op = 'matmul';
  const { x, w, bias, y, gate, epilogue } = args;
  if (!MATMUL_EPILOGUES.includes(epilogue)) throw new TypeError(`${op}: unknown epilogue ${epilogue}`);
  expectRank(op, 'x', x, 2);
  expectRank(op, 'w', w, 2);
  const [m, k] = x.shape as [number, number];
  const n = w.shape[0]!;
  expectShape(op, 'w', w, [n, k]);
  expectShape(op, 'y', y, matmulOutputShape(x, w));
  const hasBias = epilogue !== 'none';
  if (hasBias !== Boolean(bias))
    throw new TypeError(`${op}: epilogue ${epilogue} ${hasBias ? 'needs' : 'takes no'} bias`);
  if (bias) expectShape(op, 'bias', bias, [n]);

  let tokensPerItem = 1;
  let gateLayout = { offset: 0, stride: 0 };
  const gated = epilogue === 'bias_gated_residual';
  if (gated !== Boolean(gate))
    throw new TypeError(`${op}: epilogue ${epilogue} ${gated ? 'needs' : 'takes no'} gate`);
  if (gate) {
    tokensPerItem = args.tokensPerItem ?? 0;
    if (!Number.isInteger(tokensPerItem) || tokensPerItem < 1 || m % tokensPerItem !== 0) {
      throw new ShapeError(`${op}: ${m} rows are not whole items of tokensPerItem ${args.tokensPerItem}`);
    }
    gateLayout = sliceLayout(op, 'gate', gate, m / tokensPerItem, n);
  }
  const dtype = commonDtype(op, { x, w, bias, y, gate: gate?.tensor });
  requireDtype(ctx.device, op, dtype);
  checkBindingSizes(ctx.device, op, { x, w, bias, y, gate: gate?.tensor });

  const placeholder = unusedBinding(ctx.device);
  return new Kernel(ctx, {
    key: { name: op, dtype, variant: epilogue },
    name: args.name,
    source: specialize(source, dtype),
    constants: { ...TILING, EPILOGUE: MATMUL_EPILOGUES.indexOf(epilogue) },
    uniforms: SHAPE,
    values: {
      m,
      n,
      k,
      tokens_per_item: tokensPerItem,
      gate_offset: gateLayout.offset,
      gate_stride: gateLayout.stride,
    },
    bindings: [x.buffer, w.buffer, bias?.buffer ?? placeholder, gate?.tensor.buffer ?? placeholder, y.buffer],
    grid: [Math.ceil(n / (TILING.WG_X * COLS_PER_THREAD)), Math.ceil(m / (TILING.WG_Y * ROWS_PER_THREAD))],
  });
}
