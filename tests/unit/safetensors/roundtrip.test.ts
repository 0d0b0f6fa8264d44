import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bf16ToF32,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  parseSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from '../../../src/engine/model/safetensors.ts';
import { buildFile } from './build-file.ts';

const f32 = fc.float({ noDefaultInfinity: false, noNaN: true });

describe('f16ToF32', () => {
  it.each([
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x3555, 0.333251953125],
    [0x0001, 2 ** -24], // smallest subnormal
    [0x03ff, 1023 * 2 ** -24], // largest subnormal
    [0x0400, 2 ** -14], // smallest normal
    [0x7bff, 65504], // largest finite
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ])('0x%s', (bits, expected) => {
    expect(f16ToF32(bits)).toBe(expected);
  });

  it('keeps the sign of zero and gives NaN for every NaN pattern', () => {
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    for (const bits of [0x7c01, 0x7e00, 0x7fff, 0xfe00]) expect(f16ToF32(bits)).toBeNaN();
  });

  it('is exactly inverted by f32ToF16 for all 63,488 non-NaN patterns', () => {
    let mismatches = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const value = f16ToF32(bits);
      if (!Number.isNaN(value) && f32ToF16(value) !== bits) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('f32ToF16 rounds to nearest even and overflows to infinity', () => {
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie, down to even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, up to even
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie with zero
    expect(f32ToF16(65519)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00);
    expect(f32ToF16(-1e9)).toBe(0xfc00);
    expect(f16ToF32(f32ToF16(NaN))).toBeNaN();
  });
});

describe('bf16ToF32', () => {
  it('is the upper half of a binary32', () => {
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc040)).toBe(-3);
    expect(bf16ToF32(0x0001)).toBe(2 ** -133); // smallest subnormal
    expect(bf16ToF32(0x7f80)).toBe(Infinity);
    expect(bf16ToF32(0xff80)).toBe(-Infinity);
    expect(bf16ToF32(0x7fc0)).toBeNaN();
    expect(Object.is(bf16ToF32(0x8000), -0)).toBe(true);
  });

  it('is exactly inverted by f32ToBf16 for every non-NaN pattern', () => {
    let mismatches = 0;
    for (let bits = 0; bits < 65536; bits++) {
      const value = bf16ToF32(bits);
      if (!Number.isNaN(value) && f32ToBf16(value) !== bits) mismatches++;
    }
    expect(mismatches).toBe(0);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie, down to even
    expect(bf16ToF32(f32ToBf16(NaN))).toBeNaN();
  });
});

describe('writeSafetensors → parseSafetensors', () => {
  it('round-trips F32 values exactly', () => {
    fc.assert(
      fc.property(fc.array(f32, { maxLength: 64 }), fc.integer({ min: 1, max: 4 }), (values, rows) => {
        const cols = Math.ceil(values.length / rows);
        const data = Float32Array.from({ length: rows * cols }, (_, i) => values[i] ?? 0);
        const file = parseSafetensors(writeSafetensors({ w: { dtype: 'F32', shape: [rows, cols], data } }));
        expect(file.tensor('w').shape).toEqual([rows, cols]);
        expect(file.toFloat32('w')).toEqual(data);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips F16 and BF16 to the nearest representable value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -60000, max: 60000, noNaN: true }), { maxLength: 64 }),
        (values) => {
          const half = Uint16Array.from(values, f32ToF16);
          const brain = Uint16Array.from(values, f32ToBf16);
          const bytes = writeSafetensors({
            half: { dtype: 'F16', shape: [values.length], data: half },
            brain: { dtype: 'BF16', shape: [values.length], data: brain },
          });
          const file = parseSafetensors(bytes);
          const halfBack = file.toFloat32('half');
          const brainBack = file.toFloat32('brain');
          values.forEach((v, i) => {
            expect(Math.abs(halfBack[i]! - v)).toBeLessThanOrEqual(
              Math.max(Math.abs(v) * 2 ** -11, 2 ** -25),
            );
            expect(Math.abs(brainBack[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8 + 2 ** -134);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('converts all 65,536 F16 patterns in one tensor as f16ToF32 does', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const decoded = parseSafetensors(
      writeSafetensors({ all: { dtype: 'F16', shape: [256, 256], data: bits } }),
    ).toFloat32('all');
    const expected = Float32Array.from(bits, f16ToF32);
    expect(decoded).toEqual(expected);
  });

  it('reports absolute offsets, metadata, sorted header keys and 8-byte padding', () => {
    const tensors: Record<string, TensorToWrite> = {
      'blocks.1.attn.qkv.weight': { dtype: 'F16', shape: [3], data: new Uint16Array([1, 2, 3]) },
      'blocks.0.attn.qkv.weight': { dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) },
      empty: { dtype: 'F32', shape: [0, 7], data: new Float32Array(0) },
      scalar: { dtype: 'BF16', shape: [], data: new Uint16Array([0x3f80]) },
    };
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'ünïcode' });
    const file = parseSafetensors(bytes);
    expect(file.headerBytes % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + file.headerBytes));
    expect(headerText).toMatch(/ *$/);
    expect(Object.keys(JSON.parse(headerText))).toEqual([
      '__metadata__',
      'blocks.0.attn.qkv.weight',
      'blocks.1.attn.qkv.weight',
      'empty',
      'scalar',
    ]);
    expect(file.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    for (const info of file.tensors.values()) {
      // the writer aligns every tensor to its element size
      expect(info.byteOffset % (info.dtype === 'F32' ? 4 : 2)).toBe(0);
      expect(info.byteOffset + info.byteLength).toBeLessThanOrEqual(bytes.byteLength);
    }
    expect(file.toFloat32('scalar')).toEqual(new Float32Array([1]));
    expect(file.toFloat32('empty')).toEqual(new Float32Array(0));
    expect(file.bytes('blocks.1.attn.qkv.weight')).toEqual(new Uint8Array([1, 0, 2, 0, 3, 0]));
  });

  it('reads a Uint8Array that is a window into a larger buffer', () => {
    const inner = writeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array([7, 8]) } });
    const outer = new Uint8Array(inner.byteLength + 13);
    outer.set(inner, 5);
    const file = parseSafetensors(outer.subarray(5, 5 + inner.byteLength));
    expect(file.toFloat32('x')).toEqual(new Float32Array([7, 8]));
    expect(file.tensor('x').byteOffset).toBe(inner.byteLength - 8);
  });

  it('reads F32 stored at an unaligned offset and returns a copy', () => {
    const data = new Uint8Array(2 + 4);
    new DataView(data.buffer).setFloat32(2, -1.25, true);
    const bytes = buildFile(
      {
        a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
        b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
      },
      data,
    );
    const file = parseSafetensors(bytes.buffer as ArrayBuffer);
    const b = file.toFloat32('b');
    expect(b).toEqual(new Float32Array([-1.25]));
    b[0] = 99;
    expect(file.toFloat32('b')).toEqual(new Float32Array([-1.25]));
  });

  it('accepts a header with no tensors and only metadata', () => {
    const file = parseSafetensors(buildFile({ __metadata__: { a: 'b' } }));
    expect(file.tensors.size).toBe(0);
    expect(file.metadata).toEqual({ a: 'b' });
  });
});
