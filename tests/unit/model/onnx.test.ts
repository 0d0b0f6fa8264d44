// The exported model.onnx computes what PyTorch computed: run the tiny export on
// onnxruntime-web's CPU (wasm) backend and compare with the float32 goldens.

import { readFileSync } from 'node:fs';

import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';

import { tensor } from '../../../src/engine/model/reference/tensor.ts';
import { compare, FIXTURES, goldensExist, loadGoldens } from './golden-helpers.ts';

// Same budget as the float32 goldens: onnxruntime's float32 kernels round like PyTorch's.
const TOLERANCE = { atol: 2e-4, rtol: 2e-4 };

const SETS = [
  ['tiny', new URL('tiny/', FIXTURES)],
  ['balls-s', new URL('generated/balls-s/', FIXTURES)],
] as const;

describe.each(SETS)('model.onnx (%s)', (_label, folder) => {
  it.skipIf(!goldensExist(folder))('reproduces the PyTorch forward', { timeout: 60_000 }, async () => {
    ort.env.wasm.numThreads = 1;
    const g = loadGoldens(folder);
    const session = await ort.InferenceSession.create(
      new Uint8Array(readFileSync(new URL('model.onnx', folder))),
    );
    expect(session.inputNames).toEqual(['x', 't', 'y']);
    const x = g.get('inputs/forward.x');
    const y = g.index.forward.y;
    const feeds = {
      x: new ort.Tensor('float32', Float32Array.from(x.data), x.shape as number[]),
      t: new ort.Tensor('float32', Float32Array.from(g.get('inputs/forward.t').data), [y.length]),
      y: new ort.Tensor(
        'int64',
        BigInt64Array.from(y.flat(), (v) => BigInt(v)),
        [y.length, y[0]!.length],
      ),
    };
    const out = (await session.run(feeds))['velocity']!;
    const velocity = tensor(out.dims as number[], out.data as Float32Array);
    const result = compare('onnx velocity', velocity, g.get('float32/forward.velocity'), TOLERANCE);
    if (process.env.GOLDEN_REPORT === '1') console.log(result.message);
    expect(result.ok, result.message).toBe(true);
    // A batch of one (the axis is dynamic) gives the first row.
    const one = await session.run({
      x: new ort.Tensor('float32', Float32Array.from(x.data.subarray(0, x.data.length / 2)), [
        1,
        ...x.shape.slice(1),
      ]),
      t: new ort.Tensor('float32', Float32Array.from([g.index.forward.t[0]!]), [1]),
      y: new ort.Tensor(
        'int64',
        BigInt64Array.from(y[0]!, (v) => BigInt(v)),
        [1, y[0]!.length],
      ),
    });
    const first = one['velocity']!.data as Float32Array;
    const ref = g.get('float32/forward.velocity').data.subarray(0, first.length);
    const row = compare('onnx batch 1', tensor([first.length], first), tensor([ref.length], ref), TOLERANCE);
    expect(row.ok, row.message).toBe(true);
    await session.release();
  });
});
